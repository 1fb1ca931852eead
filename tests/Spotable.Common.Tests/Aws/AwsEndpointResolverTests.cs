using Spotable.Common.Aws;
using static Spotable.Common.Tests.Aws.AwsRegionResolverTests;

namespace Spotable.Common.Tests.Aws;

public sealed class AwsEndpointResolverTests
{
    [Test]
    public void FromEnvironment_ServiceVariableSet_WinsOverGeneric()
    {
        var env = Env(("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));

        Assert.That(AwsEndpointResolver.FromEnvironment(env, "SQS"), Is.EqualTo(new Uri("http://127.0.0.1:9324")));
    }

    [Test]
    public void FromEnvironment_OnlyGeneric_UsesIt()
    {
        var env = Env(("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"));

        Assert.That(AwsEndpointResolver.FromEnvironment(env, "SQS"), Is.EqualTo(new Uri("http://127.0.0.1:4566")));
    }

    [Test]
    public void FromEnvironment_IgnoreConfiguredEndpoints_ReturnsNull()
    {
        var env = Env(("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324"), ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"));

        Assert.That(AwsEndpointResolver.FromEnvironment(env, "SQS"), Is.Null);
    }

    [Test]
    public void FromEnvironment_NotAUrl_ThrowsNamingTheVariable()
    {
        var env = Env(("AWS_ENDPOINT_URL_SQS", "sqs.eu-west-1.amazonaws.com"));

        var error = Assert.Throws<AwsConfigurationException>(() => AwsEndpointResolver.FromEnvironment(env, "SQS"));

        Assert.That(error!.Message, Does.Contain("AWS_ENDPOINT_URL_SQS"));
    }

    [Test]
    public void ResolveSqs_ConfiguredEndpoint_WinsOverQueueUrl()
    {
        var endpoint = AwsEndpointResolver.ResolveSqs(new Uri("http://127.0.0.1:1234/"), "https://sqs.eu-west-1.amazonaws.com/1/q", "eu-west-1");

        Assert.That(endpoint, Is.EqualTo(new Uri("http://127.0.0.1:1234/")));
    }

    [TestCase("https://sqs.eu-west-1.amazonaws.com/123456789012/games", "https://sqs.eu-west-1.amazonaws.com/")]
    [TestCase("http://127.0.0.1:4566/000000000000/games", "http://127.0.0.1:4566/")]
    [TestCase("http://sqs.us-east-1.localhost:4566/000000000000/games", "http://127.0.0.1:4566/")]
    [TestCase("https://vpce-1.sqs.eu-west-1.vpce.amazonaws.com:8443/1/q", "https://vpce-1.sqs.eu-west-1.vpce.amazonaws.com:8443/")]
    public void ResolveSqs_QueueUrl_UsesItsSchemeHostAndPort(string queueUrl, string expected)
    {
        Assert.That(AwsEndpointResolver.ResolveSqs(null, queueUrl, "eu-west-1"), Is.EqualTo(new Uri(expected)));
    }

    [TestCase("eu-west-1", "https://sqs.eu-west-1.amazonaws.com/")]
    [TestCase("cn-northwest-1", "https://sqs.cn-northwest-1.amazonaws.com.cn/")]
    public void ResolveSqs_NothingButRegion_UsesRegionalEndpoint(string region, string expected)
    {
        Assert.That(AwsEndpointResolver.ResolveSqs(null, null, region), Is.EqualTo(new Uri(expected)));
    }
}
