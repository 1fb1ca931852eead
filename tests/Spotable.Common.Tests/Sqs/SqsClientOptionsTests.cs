using Spotable.Common.Aws;
using Spotable.Common.Sqs;
using static Spotable.Common.Tests.Aws.AwsRegionResolverTests;

namespace Spotable.Common.Tests.Sqs;

public sealed class SqsClientOptionsTests
{
    [Test]
    public void FromEnvironment_NothingSet_HasDefaults()
    {
        var options = SqsClientOptions.FromEnvironment(Env());

        Assert.Multiple(() =>
        {
            Assert.That(options.QueueUrl, Is.Null);
            Assert.That(options.Region, Is.Null);
            Assert.That(options.Endpoint, Is.Null);
            Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.MaxRetryAttempts, Is.EqualTo(3));
        });
    }

    [Test]
    public void FromEnvironment_EverythingSet_ReadsIt()
    {
        var options = SqsClientOptions.FromEnvironment(Env(
            ("SPOTABLE_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/1/games.fifo"),
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324"),
            ("SPOTABLE_SQS_REQUEST_TIMEOUT", "500ms"),
            ("SPOTABLE_SQS_MAX_RETRY_ATTEMPTS", "0")));

        Assert.Multiple(() =>
        {
            Assert.That(options.QueueUrl, Is.EqualTo("https://sqs.eu-west-1.amazonaws.com/1/games.fifo"));
            Assert.That(options.Region, Is.EqualTo("eu-west-1"));
            Assert.That(options.Endpoint, Is.EqualTo(new Uri("http://127.0.0.1:9324")));
            Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(500)));
            Assert.That(options.MaxRetryAttempts, Is.Zero);
        });
    }

    [TestCase("SPOTABLE_SQS_REQUEST_TIMEOUT", "soon")]
    [TestCase("SPOTABLE_SQS_REQUEST_TIMEOUT", "0")]
    [TestCase("SPOTABLE_SQS_MAX_RETRY_ATTEMPTS", "-1")]
    [TestCase("SPOTABLE_SQS_MAX_RETRY_ATTEMPTS", "many")]
    [TestCase("AWS_REGION", "eu west 1")]
    [TestCase("AWS_ENDPOINT_URL_SQS", "ftp://example.com")]
    public void FromEnvironment_BadValue_ThrowsNamingIt(string variable, string value)
    {
        var error = Assert.Throws<AwsConfigurationException>(() => SqsClientOptions.FromEnvironment(Env((variable, value))));

        Assert.That(error!.Message, Does.Contain(variable.StartsWith("AWS_REGION", StringComparison.Ordinal) ? "eu west 1" : variable));
    }
}
