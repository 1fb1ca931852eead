using System.Security.Cryptography;
using System.Text;
using Spotable.Common.Aws;

namespace Spotable.Common.Tests.Aws;

/// <summary>
/// Published vectors only: the IAM ListUsers example of the SigV4 documentation
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and the older
/// "sigv4-create-canonical-request" / "sigv4-calculate-signature" pages) and cases from the AWS SigV4 test suite
/// (get-vanilla, get-vanilla-query-order-key-case, post-vanilla), all with the documentation's example keys.
/// </summary>
public sealed class AwsSigV4Tests
{
    private static readonly AwsCredentials ExampleKeys = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private static readonly DateTimeOffset ExampleTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Test]
    public void Sign_IamListUsersDocumentationExample_MatchesPublishedSignature()
    {
        var signature = AwsSigV4.Sign(
            HttpMethod.Get,
            new Uri("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
            [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            AwsSigV4.EmptyPayloadSha256,
            ExampleKeys,
            "us-east-1",
            "iam",
            ExampleTime);

        Assert.Multiple(() =>
        {
            Assert.That(signature.CanonicalRequest, Is.EqualTo(
                "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                + "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
            Assert.That(Sha256Hex(signature.CanonicalRequest), Is.EqualTo("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"));
            Assert.That(signature.Signature, Is.EqualTo("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"));
            Assert.That(signature.Authorization, Is.EqualTo(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"));
            Assert.That(signature.AmzDate, Is.EqualTo("20150830T123600Z"));
            Assert.That(signature.SessionToken, Is.Null);
        });
    }

    [TestCase("GET", "https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [TestCase("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    [TestCase("POST", "https://example.amazonaws.com/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void Sign_TestSuiteVanillaVector_MatchesPublishedSignature(string method, string url, string expectedSignature)
    {
        var signature = AwsSigV4.Sign(new HttpMethod(method), new Uri(url), [], AwsSigV4.EmptyPayloadSha256, ExampleKeys, "us-east-1", "service", ExampleTime);

        Assert.That(signature.Authorization, Is.EqualTo(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
            + expectedSignature));
    }

    [Test]
    public void Sign_SubSecondTime_SignsTheWholeSecond()
    {
        var signature = AwsSigV4.Sign(HttpMethod.Get, new Uri("https://example.amazonaws.com/"), [], AwsSigV4.EmptyPayloadSha256, ExampleKeys, "us-east-1", "service", ExampleTime.AddMilliseconds(999));

        Assert.That(signature.Signature, Is.EqualTo("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
    }

    [Test]
    public void Sign_SessionToken_SignsTokenHeaderAndAppliesIt()
    {
        var keys = ExampleKeys with { SessionToken = "token/with+chars==" };
        var uri = new Uri("http://127.0.0.1:4566/");

        var signature = AwsSigV4.Sign(HttpMethod.Post, uri, [new("x-amz-target", "AmazonSQS.SendMessage")], AwsSigV4.EmptyPayloadSha256, keys, "us-east-1", "sqs", ExampleTime);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        signature.ApplyTo(request);

        Assert.Multiple(() =>
        {
            Assert.That(signature.SignedHeaders, Is.EqualTo("host;x-amz-date;x-amz-security-token;x-amz-target"));
            Assert.That(signature.CanonicalRequest, Does.Contain("host:127.0.0.1:4566\n"));
            Assert.That(signature.CanonicalRequest, Does.Contain("x-amz-security-token:token/with+chars==\n"));
            Assert.That(request.Headers.GetValues("x-amz-security-token").Single(), Is.EqualTo("token/with+chars=="));
            Assert.That(request.Headers.GetValues("x-amz-date").Single(), Is.EqualTo("20150830T123600Z"));
            Assert.That(request.Headers.GetValues("Authorization").Single(), Is.EqualTo(signature.Authorization));
        });
    }

    [Test]
    public void Sign_HeaderValueWithInnerSpaces_CollapsesThemInCanonicalForm()
    {
        var signature = AwsSigV4.Sign(HttpMethod.Get, new Uri("https://example.amazonaws.com/"), [new("My-Header1", "  value1   with  spaces ")], AwsSigV4.EmptyPayloadSha256, ExampleKeys, "us-east-1", "service", ExampleTime);

        Assert.That(signature.CanonicalRequest, Does.Contain("my-header1:value1 with spaces\n"));
    }

    [TestCase("https://sqs.eu-west-1.amazonaws.com/", "sqs.eu-west-1.amazonaws.com")]
    [TestCase("http://127.0.0.1:9324/", "127.0.0.1:9324")]
    [TestCase("https://example.com:443/", "example.com")]
    [TestCase("http://[::1]:8080/", "[::1]:8080")]
    public void HostHeader_Uri_MatchesWhatHttpClientSends(string url, string expected)
    {
        Assert.That(AwsSigV4.HostHeader(new Uri(url)), Is.EqualTo(expected));
    }

    [Test]
    public void AwsCredentials_ToString_HidesSecretAndToken()
    {
        var text = new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSIONTOKEN").ToString();

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("AKIDEXAMPLE"));
            Assert.That(text, Does.Not.Contain("wJalrXUtnFEMI"));
            Assert.That(text, Does.Not.Contain("SESSIONTOKEN"));
        });
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
