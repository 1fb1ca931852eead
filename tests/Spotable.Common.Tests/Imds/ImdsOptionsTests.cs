using Spotable.Common.Imds;

namespace Spotable.Common.Tests.Imds;

public sealed class ImdsOptionsTests
{
    [Test]
    public void Constructor_Defaults_AreRealImdsWithShortTimeoutAndSixHourToken()
    {
        var options = new ImdsOptions();

        Assert.That(options.Endpoint, Is.EqualTo(new Uri("http://169.254.169.254")));
        Assert.That(options.Disabled, Is.False);
        Assert.That(options.TokenTtl, Is.EqualTo(TimeSpan.FromHours(6)));
        Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(options.AllowV1Fallback, Is.True);
    }

    [Test]
    public void FromEnvironment_NoVariables_ReturnsDefaults()
    {
        var options = ImdsOptions.FromEnvironment(_ => null);

        Assert.That(options.Endpoint, Is.EqualTo(ImdsOptions.DefaultEndpoint));
        Assert.That(options.Disabled, Is.False);
        Assert.That(options.AllowV1Fallback, Is.True);
    }

    [TestCase("http://127.0.0.1:1338")]
    [TestCase("http://[fd00:ec2::254]")]
    [TestCase("https://imds.internal:8443/")]
    public void FromEnvironment_Endpoint_UsesIt(string endpoint)
    {
        var options = ImdsOptions.FromEnvironment(Env(("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)));

        Assert.That(options.Endpoint, Is.EqualTo(new Uri(endpoint)));
    }

    [TestCase("")]
    [TestCase("   ")]
    public void FromEnvironment_BlankEndpoint_KeepsDefault(string endpoint)
    {
        var options = ImdsOptions.FromEnvironment(Env(("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)));

        Assert.That(options.Endpoint, Is.EqualTo(ImdsOptions.DefaultEndpoint));
    }

    [TestCase("not a uri")]
    [TestCase("169.254.169.254")]
    [TestCase("/latest/meta-data")]
    [TestCase("ftp://169.254.169.254")]
    [TestCase("http://169.254.169.254/?x=1")]
    public void FromEnvironment_BadEndpoint_ThrowsArgumentExceptionNamingTheVariable(string endpoint)
    {
        var ex = Assert.Throws<ArgumentException>(() => ImdsOptions.FromEnvironment(Env(("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint))));

        Assert.That(ex.Message, Does.Contain("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
    }

    [TestCase("true", true)]
    [TestCase("TRUE", true)]
    [TestCase("True", true)]
    [TestCase("false", false)]
    [TestCase("1", false)]
    [TestCase("", false)]
    public void FromEnvironment_MetadataDisabled_OnlyTrueDisables(string value, bool expected)
    {
        var options = ImdsOptions.FromEnvironment(Env(("AWS_EC2_METADATA_DISABLED", value)));

        Assert.That(options.Disabled, Is.EqualTo(expected));
    }

    [TestCase("true", false)]
    [TestCase("tRuE", false)]
    [TestCase("false", true)]
    [TestCase("yes", true)]
    public void FromEnvironment_V1Disabled_TurnsOffFallback(string value, bool expectedFallback)
    {
        var options = ImdsOptions.FromEnvironment(Env(("AWS_EC2_METADATA_V1_DISABLED", value)));

        Assert.That(options.AllowV1Fallback, Is.EqualTo(expectedFallback));
    }

    [Test]
    public void FromEnvironment_AllVariables_AppliesAll()
    {
        var options = ImdsOptions.FromEnvironment(Env(
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_EC2_METADATA_V1_DISABLED", "true")));

        Assert.That((options.Endpoint, options.Disabled, options.AllowV1Fallback), Is.EqualTo((new Uri("http://127.0.0.1:8111"), true, false)));
    }

    [TestCase(0.0)]
    [TestCase(0.5)]
    [TestCase(1.5)]
    [TestCase(21601.0)]
    public void TokenTtl_OutOfRangeOrFractional_Throws(double seconds) =>
        Assert.That(() => new ImdsOptions { TokenTtl = TimeSpan.FromSeconds(seconds) }, Throws.InstanceOf<ArgumentOutOfRangeException>());

    [TestCase(1)]
    [TestCase(21600)]
    public void TokenTtl_Boundaries_Accepted(int seconds) =>
        Assert.That(new ImdsOptions { TokenTtl = TimeSpan.FromSeconds(seconds) }.TokenTtl, Is.EqualTo(TimeSpan.FromSeconds(seconds)));

    [TestCase(0)]
    [TestCase(-1)]
    public void RequestTimeout_NotPositive_Throws(int milliseconds) =>
        Assert.That(() => new ImdsOptions { RequestTimeout = TimeSpan.FromMilliseconds(milliseconds) }, Throws.InstanceOf<ArgumentOutOfRangeException>());

    [Test]
    public void Endpoint_Relative_Throws() =>
        Assert.That(() => new ImdsOptions { Endpoint = new Uri("/latest", UriKind.Relative) }, Throws.ArgumentException);

    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
