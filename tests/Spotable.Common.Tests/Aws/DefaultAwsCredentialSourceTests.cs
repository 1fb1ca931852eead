using Spotable.Common.Aws;

namespace Spotable.Common.Tests.Aws;

/// <summary>
/// The SDK chain reads the process environment, so these tests set it and put it back. IMDS is disabled and the
/// shared files point nowhere, so the chain never leaves this machine (no 169.254.169.254).
/// </summary>
[NonParallelizable]
public sealed class DefaultAwsCredentialSourceTests
{
    private static readonly string[] Variables =
    [
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_EC2_METADATA_DISABLED",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ];

    private readonly Dictionary<string, string?> _saved = [];

    [SetUp]
    public void SetUp()
    {
        foreach (var name in Variables)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
        }

        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/spotable-test/credentials");
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", "/nonexistent/spotable-test/config");
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    [Test]
    public async Task GetAsync_EnvironmentKeys_ReturnsThem()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", "session-token");

        var credentials = await new DefaultAwsCredentialSource().GetAsync(CancellationToken.None);

        Assert.That(credentials, Is.EqualTo(new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")));
    }

    [Test]
    public void GetAsync_NoSourceHasCredentials_ThrowsConfigurationError()
    {
        var error = Assert.ThrowsAsync<AwsConfigurationException>(async () => await new DefaultAwsCredentialSource().GetAsync(CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("AWS_ACCESS_KEY_ID"));
    }

    [Test]
    public async Task GetAsync_StaticSource_ReturnsItsKeys()
    {
        var keys = new AwsCredentials("AKID", "SECRET");

        Assert.That(await new StaticAwsCredentialSource(keys).GetAsync(CancellationToken.None), Is.SameAs(keys));
    }
}
