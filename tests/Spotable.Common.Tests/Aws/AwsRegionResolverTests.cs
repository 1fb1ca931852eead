using Spotable.Common.Aws;

namespace Spotable.Common.Tests.Aws;

public sealed class AwsRegionResolverTests
{
    [Test]
    public void FromEnvironment_BothVariables_AwsRegionWins()
    {
        var env = Env(("AWS_REGION", "eu-west-1"), ("AWS_DEFAULT_REGION", "us-west-2"));

        Assert.That(AwsRegionResolver.FromEnvironment(env), Is.EqualTo("eu-west-1"));
    }

    [Test]
    public void FromEnvironment_OnlyDefaultRegion_UsesIt()
    {
        var env = Env(("AWS_REGION", "  "), ("AWS_DEFAULT_REGION", "us-west-2"));

        Assert.That(AwsRegionResolver.FromEnvironment(env), Is.EqualTo("us-west-2"));
    }

    [Test]
    public void FromEnvironment_NothingSet_IsNull()
    {
        Assert.That(AwsRegionResolver.FromEnvironment(Env()), Is.Null);
    }

    [TestCase("https://sqs.eu-central-1.amazonaws.com/123456789012/games", "eu-central-1")]
    [TestCase("https://sqs.us-gov-west-1.amazonaws.com/123456789012/games.fifo", "us-gov-west-1")]
    [TestCase("https://ap-southeast-2.queue.amazonaws.com/123456789012/games", "ap-southeast-2")]
    [TestCase("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/games", "cn-north-1")]
    [TestCase("https://queue.amazonaws.com/123456789012/games", "us-east-1")]
    [TestCase("http://sqs.us-east-1.localhost:4566/000000000000/games", null)]
    [TestCase("http://127.0.0.1:4566/000000000000/games", null)]
    [TestCase("not a url", null)]
    [TestCase("", null)]
    public void FromQueueUrl_Url_ReturnsItsRegion(string url, string? expected)
    {
        Assert.That(AwsRegionResolver.FromQueueUrl(url), Is.EqualTo(expected));
    }

    [Test]
    public async Task ResolveAsync_ConfiguredRegion_WinsOverQueueUrlAndFallback()
    {
        var fallbackCalls = 0;

        var region = await AwsRegionResolver.ResolveAsync(
            "eu-west-1",
            "https://sqs.us-west-2.amazonaws.com/1/q",
            _ => { fallbackCalls++; return Task.FromResult<string?>("ap-south-1"); },
            CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(region, Is.EqualTo("eu-west-1"));
            Assert.That(fallbackCalls, Is.Zero);
        });
    }

    [Test]
    public async Task ResolveAsync_NoConfiguredRegion_UsesQueueUrlBeforeFallback()
    {
        var fallbackCalls = 0;

        var region = await AwsRegionResolver.ResolveAsync(
            null,
            "https://sqs.us-west-2.amazonaws.com/1/q",
            _ => { fallbackCalls++; return Task.FromResult<string?>("ap-south-1"); },
            CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(region, Is.EqualTo("us-west-2"));
            Assert.That(fallbackCalls, Is.Zero);
        });
    }

    [Test]
    public async Task ResolveAsync_LocalQueueUrl_AsksFallback()
    {
        var region = await AwsRegionResolver.ResolveAsync(null, "http://127.0.0.1:4566/0/q", _ => Task.FromResult<string?>("ap-south-1"), CancellationToken.None);

        Assert.That(region, Is.EqualTo("ap-south-1"));
    }

    [Test]
    public void ResolveAsync_NoSourceKnowsTheRegion_ThrowsNamingTheVariables()
    {
        var error = Assert.ThrowsAsync<AwsConfigurationException>(
            () => AwsRegionResolver.ResolveAsync(null, null, _ => Task.FromResult<string?>(null), CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("AWS_REGION").And.Contain("AWS_DEFAULT_REGION"));
    }

    [Test]
    public void ResolveAsync_MalformedRegion_Throws()
    {
        Assert.ThrowsAsync<AwsConfigurationException>(
            () => AwsRegionResolver.ResolveAsync("eu west 1\r\nX-Evil: 1", null, null, CancellationToken.None));
    }

    internal static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }
}
