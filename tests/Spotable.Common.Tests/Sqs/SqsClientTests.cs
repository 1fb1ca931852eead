using System.Net;
using System.Text.Json;
using Spotable.Common.Aws;
using Spotable.Common.Sqs;
using Spotable.Testing;

namespace Spotable.Common.Tests.Sqs;

public sealed class SqsClientTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string QueueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/games";

    private FakeTimeProvider _time = null!;
    private FakeSqsHandler _handler = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 17, 11, 44, TimeSpan.Zero));
        _handler = new FakeSqsHandler(Secret, _time);
    }

    [TearDown]
    public void TearDown() => _handler.Dispose();

    [Test]
    public async Task SendMessageAsync_Accepted_PostsSignedJson10RequestAndReturnsMessageId()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"MessageId":"m-1","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("hello")}}","SequenceNumber":"1"}""");
        using var client = CreateClient();

        var messageId = await FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "hello", "group-1", "dedup-1", CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        using var body = JsonDocument.Parse(request.Body);
        Assert.Multiple(() =>
        {
            Assert.That(messageId, Is.EqualTo("m-1"));
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Post));
            Assert.That(request.Uri, Is.EqualTo(new Uri("https://sqs.eu-west-1.amazonaws.com/")));
            Assert.That(request.ContentType, Is.EqualTo("application/x-amz-json-1.0"));
            Assert.That(request.Target, Is.EqualTo("AmazonSQS.SendMessage"));
            Assert.That(request.CredentialScope, Is.EqualTo("AKIDEXAMPLE/20261121/eu-west-1/sqs/aws4_request"));
            Assert.That(request.Headers["x-amz-date"], Is.EqualTo("20261121T171144Z"));
            Assert.That(request.Headers.ContainsKey("x-amz-security-token"), Is.False);
            Assert.That(body.RootElement.GetProperty("QueueUrl").GetString(), Is.EqualTo(QueueUrl));
            Assert.That(body.RootElement.GetProperty("MessageBody").GetString(), Is.EqualTo("hello"));
            Assert.That(body.RootElement.GetProperty("MessageGroupId").GetString(), Is.EqualTo("group-1"));
            Assert.That(body.RootElement.GetProperty("MessageDeduplicationId").GetString(), Is.EqualTo("dedup-1"));
        });
    }

    [Test]
    public async Task SendMessageAsync_StandardQueue_OmitsFifoFields()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"MessageId":"m-1","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("x")}}"}""");
        using var client = CreateClient();

        await FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time);

        Assert.That(_handler.Requests.Single().Body, Does.Not.Contain("MessageGroupId").And.Not.Contain("MessageDeduplicationId"));
    }

    [Test]
    public async Task SendMessageAsync_SessionToken_SendsSignedSecurityToken()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"MessageId":"m-1","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("x")}}"}""");
        using var client = CreateClient(credentials: new AwsCredentials("ASIAEXAMPLE", Secret, "the-session-token"));

        await FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Headers["x-amz-security-token"], Is.EqualTo("the-session-token"));
            Assert.That(request.Authorization, Does.Contain("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"));
        });
    }

    [Test]
    public void SendMessageAsync_WrongSecretKey_RejectedAsSignatureDoesNotMatch()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """{"MessageId":"unreachable"}""");
        using var client = CreateClient(credentials: new AwsCredentials("AKIDEXAMPLE", "not-the-secret"));

        var error = Assert.ThrowsAsync<SqsAccessDeniedException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time));

        Assert.That(error!.ErrorCode, Is.EqualTo("SignatureDoesNotMatch"));
    }

    [Test]
    public void SendMessageAsync_Md5Mismatch_ThrowsChecksumErrorWithoutRetrying()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"MessageId":"m-1","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("something else")}}"}""");
        using var client = CreateClient();

        var error = Assert.ThrowsAsync<SqsChecksumMismatchException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "hello", null, null, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ErrorCode, Is.EqualTo("MD5Mismatch"));
            Assert.That(error.IsTransient, Is.False);
            Assert.That(_handler.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task SendMessageBatchAsync_SomeEntriesFail_ReportsEachEntry()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""
            {"Successful":[{"Id":"a","MessageId":"m-a","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("body a")}}"}],
             "Failed":[{"Id":"b","Code":"InvalidMessageContents","Message":"bad chars","SenderFault":true}]}
            """);
        using var client = CreateClient();

        var result = await FakeClock.RunAsync(client.SendMessageBatchAsync(QueueUrl, [new("a", "body a"), new("b", "body b", "g", "d")], CancellationToken.None), _time);

        using var body = JsonDocument.Parse(_handler.Requests.Single().Body);
        var entries = body.RootElement.GetProperty("Entries");
        Assert.Multiple(() =>
        {
            Assert.That(_handler.Requests.Single().Target, Is.EqualTo("AmazonSQS.SendMessageBatch"));
            Assert.That(entries.GetArrayLength(), Is.EqualTo(2));
            Assert.That(entries[1].GetProperty("MessageGroupId").GetString(), Is.EqualTo("g"));
            Assert.That(entries[1].GetProperty("MessageDeduplicationId").GetString(), Is.EqualTo("d"));
            Assert.That(result.Successful, Is.EqualTo(new[] { "a" }));
            Assert.That(result.MessageIds["a"], Is.EqualTo("m-a"));
            Assert.That(result.Failed, Is.EqualTo(new[] { new SqsBatchFailure("b", "InvalidMessageContents", "bad chars", SenderFault: true) }));
        });
    }

    [Test]
    public void SendMessageBatchAsync_Md5MismatchOnAnEntry_Throws()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"Successful":[{"Id":"a","MessageId":"m-a","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("tampered")}}"}]}""");
        using var client = CreateClient();

        Assert.ThrowsAsync<SqsChecksumMismatchException>(() => FakeClock.RunAsync(client.SendMessageBatchAsync(QueueUrl, [new("a", "body a")], CancellationToken.None), _time));
    }

    [Test]
    public async Task ReceiveMessagesAsync_Messages_ReturnsThemWithSystemAttributes()
    {
        var md5 = FakeSqsHandler.Md5Hex("{\"a\":1}");
        _handler.ReplyJson(HttpStatusCode.OK, $$$"""
            {"Messages":[{"MessageId":"m-1","ReceiptHandle":"rh-1","MD5OfBody":"{{{md5}}}","Body":"{\"a\":1}",
              "Attributes":{"MessageGroupId":"g","MessageDeduplicationId":"d","ApproximateReceiveCount":"1"}}]}
            """);
        using var client = CreateClient();

        var messages = await FakeClock.RunAsync(client.ReceiveMessagesAsync(QueueUrl, 10, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), CancellationToken.None), _time);

        using var body = JsonDocument.Parse(_handler.Requests.Single().Body);
        Assert.Multiple(() =>
        {
            Assert.That(body.RootElement.GetProperty("MaxNumberOfMessages").GetInt32(), Is.EqualTo(10));
            Assert.That(body.RootElement.GetProperty("WaitTimeSeconds").GetInt32(), Is.EqualTo(20));
            Assert.That(body.RootElement.GetProperty("VisibilityTimeout").GetInt32(), Is.EqualTo(30));
            Assert.That(body.RootElement.GetProperty("MessageSystemAttributeNames")[0].GetString(), Is.EqualTo("All"));
            Assert.That(messages, Has.Count.EqualTo(1));
            Assert.That(messages[0].MessageId, Is.EqualTo("m-1"));
            Assert.That(messages[0].ReceiptHandle, Is.EqualTo("rh-1"));
            Assert.That(messages[0].Body, Is.EqualTo("{\"a\":1}"));
            Assert.That(messages[0].MessageGroupId, Is.EqualTo("g"));
            Assert.That(messages[0].MessageDeduplicationId, Is.EqualTo("d"));
            Assert.That(messages[0].Attributes["ApproximateReceiveCount"], Is.EqualTo("1"));
        });
    }

    [Test]
    public async Task ReceiveMessagesAsync_NoMessages_ReturnsEmptyAndOmitsVisibility()
    {
        _handler.ReplyJson(HttpStatusCode.OK, "{}");
        using var client = CreateClient();

        var messages = await FakeClock.RunAsync(client.ReceiveMessagesAsync(QueueUrl, 1, TimeSpan.Zero, null, CancellationToken.None), _time);

        Assert.Multiple(() =>
        {
            Assert.That(messages, Is.Empty);
            Assert.That(_handler.Requests.Single().Body, Does.Not.Contain("VisibilityTimeout"));
        });
    }

    [Test]
    public void ReceiveMessagesAsync_Md5Mismatch_Throws()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """{"Messages":[{"MessageId":"m-1","ReceiptHandle":"rh","MD5OfBody":"00000000000000000000000000000000","Body":"x"}]}""");
        using var client = CreateClient();

        Assert.ThrowsAsync<SqsChecksumMismatchException>(() => FakeClock.RunAsync(client.ReceiveMessagesAsync(QueueUrl, 1, TimeSpan.Zero, null, CancellationToken.None), _time));
    }

    [TestCase(0)]
    [TestCase(11)]
    public void ReceiveMessagesAsync_MaxMessagesOutOfRange_ThrowsBeforeSending(int maxMessages)
    {
        using var client = CreateClient();

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.ReceiveMessagesAsync(QueueUrl, maxMessages, TimeSpan.Zero, null, CancellationToken.None));
        Assert.That(_handler.Requests, Is.Empty);
    }

    [Test]
    public async Task DeleteMessageAsync_EmptyObjectReply_Succeeds()
    {
        _handler.ReplyJson(HttpStatusCode.OK, "{}");
        using var client = CreateClient();

        await FakeClock.RunAsync(client.DeleteMessageAsync(QueueUrl, "rh-1", CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Target, Is.EqualTo("AmazonSQS.DeleteMessage"));
            Assert.That(request.Body, Is.EqualTo($$"""{"QueueUrl":"{{QueueUrl}}","ReceiptHandle":"rh-1"}"""));
        });
    }

    [Test]
    public async Task GetQueueUrlAsync_OwnerAccount_SendsQueueOwnerAwsAccountId()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"QueueUrl":"{{QueueUrl}}"}""");
        using var client = CreateClient();

        var url = await FakeClock.RunAsync(client.GetQueueUrlAsync("games", "123456789012", CancellationToken.None), _time);

        Assert.Multiple(() =>
        {
            Assert.That(url, Is.EqualTo(QueueUrl));
            Assert.That(_handler.Requests.Single().Body, Is.EqualTo("""{"QueueName":"games","QueueOwnerAWSAccountId":"123456789012"}"""));
        });
    }

    [Test]
    public async Task CreateQueueAsync_Attributes_SendsThem()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"QueueUrl":"{{QueueUrl}}.fifo"}""");
        using var client = CreateClient();

        await FakeClock.RunAsync(client.CreateQueueAsync("games.fifo", new Dictionary<string, string> { ["FifoQueue"] = "true" }, CancellationToken.None), _time);

        Assert.That(_handler.Requests.Single().Body, Is.EqualTo("""{"QueueName":"games.fifo","Attributes":{"FifoQueue":"true"}}"""));
    }

    private static IEnumerable<TestCaseData> ErrorCases()
    {
        // status, __type (null: no JSON body), x-amzn-query-error, expected type, expected code, transient
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender", typeof(QueueDoesNotExistException), "QueueDoesNotExist", false);
        yield return Case(HttpStatusCode.BadRequest, null, "AWS.SimpleQueueService.NonExistentQueue;Sender", typeof(QueueDoesNotExistException), "AWS.SimpleQueueService.NonExistentQueue", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#InvalidParameterValue", null, typeof(SqsInvalidRequestException), "InvalidParameterValue", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#MissingParameter", null, typeof(SqsInvalidRequestException), "MissingParameter", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#InvalidAddress", null, typeof(SqsInvalidRequestException), "InvalidAddress", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#InvalidMessageContents", null, typeof(SqsInvalidRequestException), "InvalidMessageContents", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#TooManyEntriesInBatchRequest", null, typeof(SqsInvalidRequestException), "TooManyEntriesInBatchRequest", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#BatchEntryIdsNotDistinct", null, typeof(SqsInvalidRequestException), "BatchEntryIdsNotDistinct", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#EmptyBatchRequest", null, typeof(SqsInvalidRequestException), "EmptyBatchRequest", false);
        yield return Case(HttpStatusCode.Forbidden, "com.amazonaws.sqs#AccessDenied", "AWS.SimpleQueueService.AccessDenied;Sender", typeof(SqsAccessDeniedException), "AccessDenied", false);
        yield return Case(HttpStatusCode.Forbidden, "com.amazon.coral.service#InvalidClientTokenId", null, typeof(SqsAccessDeniedException), "InvalidClientTokenId", false);
        yield return Case(HttpStatusCode.Forbidden, "com.amazon.coral.service#SignatureDoesNotMatch", null, typeof(SqsAccessDeniedException), "SignatureDoesNotMatch", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazon.coral.service#ExpiredTokenException", null, typeof(SqsAccessDeniedException), "ExpiredTokenException", false);
        yield return Case(HttpStatusCode.Unauthorized, null, null, typeof(SqsAccessDeniedException), "Http401", false);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#ThrottlingException", null, typeof(SqsThrottledException), "ThrottlingException", true);
        yield return Case(HttpStatusCode.Forbidden, "com.amazonaws.sqs#RequestThrottled", "AWS.SimpleQueueService.RequestThrottled;Sender", typeof(SqsThrottledException), "RequestThrottled", true);
        yield return Case(HttpStatusCode.BadRequest, "com.amazonaws.sqs#KmsThrottled", null, typeof(SqsThrottledException), "KmsThrottled", true);
        yield return Case(HttpStatusCode.TooManyRequests, null, null, typeof(SqsThrottledException), "Http429", true);
        yield return Case(HttpStatusCode.InternalServerError, "com.amazonaws.sqs#InternalError", null, typeof(SqsException), "InternalError", true);
        yield return Case(HttpStatusCode.ServiceUnavailable, "com.amazonaws.sqs#ServiceUnavailable", null, typeof(SqsException), "ServiceUnavailable", true);
        yield return Case(HttpStatusCode.BadGateway, null, null, typeof(SqsException), "Http502", true);
        yield return Case((HttpStatusCode)418, "com.example#SomethingNew", null, typeof(SqsException), "SomethingNew", false);

        static TestCaseData Case(HttpStatusCode status, string? type, string? queryError, Type expected, string code, bool transient) =>
            new TestCaseData(status, type, queryError, expected, code, transient).SetArgDisplayNames($"{(int)status}", code);
    }

    [TestCaseSource(nameof(ErrorCases))]
    public void GetQueueUrlAsync_ErrorReply_MapsToTypedExceptionAndRetriesOnlyTransient(
        HttpStatusCode status, string? type, string? queryError, Type expected, string code, bool transient)
    {
        _handler.ReplyError(status, type, queryError);
        using var client = CreateClient(maxRetryAttempts: 2);

        var error = Assert.CatchAsync<SqsException>(() => FakeClock.RunAsync(client.GetQueueUrlAsync("games", null, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.TypeOf(expected));
            Assert.That(error!.ErrorCode, Is.EqualTo(code));
            Assert.That(error.IsTransient, Is.EqualTo(transient));
            Assert.That(error.HttpStatus, Is.EqualTo(status));
            Assert.That(error.RequestId, Is.EqualTo("00000000-0000-0000-0000-000000000001"));
            Assert.That(_handler.Requests, Has.Count.EqualTo(transient ? 3 : 1), "attempts");
        });
    }

    [Test]
    public async Task SendMessageAsync_TransientThenSuccess_ReturnsResult()
    {
        _handler.ReplyError(HttpStatusCode.ServiceUnavailable, "com.amazonaws.sqs#ServiceUnavailable")
            .ReplyJson(HttpStatusCode.OK, $$"""{"MessageId":"m-2","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("x")}}"}""");
        using var client = CreateClient(maxRetryAttempts: 3);

        var messageId = await FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time);

        var requests = _handler.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(messageId, Is.EqualTo("m-2"));
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[1].At, Is.GreaterThan(requests[0].At), "after a backoff delay");
        });
    }

    [Test]
    public void SendMessageAsync_RetryAfterHeader_WaitsThatLong()
    {
        _handler.ReplyJson(HttpStatusCode.ServiceUnavailable, """{"__type":"com.amazonaws.sqs#ServiceUnavailable"}""", ("Retry-After", "3"));
        using var client = CreateClient(maxRetryAttempts: 1);

        Assert.CatchAsync<SqsException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time));

        var requests = _handler.Requests;
        Assert.That(requests[1].At - requests[0].At, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public void SendMessageAsync_ExponentialBackoff_StaysUnderMaxDelay()
    {
        _handler.ReplyError(HttpStatusCode.InternalServerError, "com.amazonaws.sqs#InternalError");
        using var client = CreateClient(maxRetryAttempts: 6);

        Assert.CatchAsync<SqsException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time));

        var requests = _handler.Requests;
        var gaps = requests.Zip(requests.Skip(1), (a, b) => b.At - a.At).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(requests, Has.Count.EqualTo(7));
            Assert.That(gaps, Has.All.GreaterThan(TimeSpan.Zero));

            // The fake clock moves in 100 ms steps, so a gap overshoots its delay by less than one step.
            Assert.That(gaps, Has.All.LessThanOrEqualTo(TimeSpan.FromSeconds(5.1)));
        });
    }

    [Test]
    public void SendMessageAsync_ConnectionRefused_ThrowsTransientTransportErrorAfterRetries()
    {
        _handler.Reply((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:9)"));
        using var client = CreateClient(maxRetryAttempts: 2);

        var error = Assert.CatchAsync<SqsException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.TypeOf<SqsException>());
            Assert.That(error!.ErrorCode, Is.EqualTo("TransportError"));
            Assert.That(error.IsTransient, Is.True);
            Assert.That(error.HttpStatus, Is.Null);
            Assert.That(error.InnerException, Is.TypeOf<HttpRequestException>());
            Assert.That(_handler.Requests, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void SendMessageAsync_NoReplyWithinTimeout_ThrowsTransientTimeoutAfterRetries()
    {
        _handler.Reply(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        using var client = CreateClient(maxRetryAttempts: 1, requestTimeout: TimeSpan.FromSeconds(10));

        var error = Assert.CatchAsync<SqsException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time, TimeSpan.FromSeconds(1)));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ErrorCode, Is.EqualTo("RequestTimeout"));
            Assert.That(error.IsTransient, Is.True);
            Assert.That(_handler.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task ReceiveMessagesAsync_LongPoll_AttemptTimeoutStartsAfterTheWait()
    {
        _handler.Reply(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        using var client = CreateClient(maxRetryAttempts: 0, requestTimeout: TimeSpan.FromSeconds(10));

        var receive = client.ReceiveMessagesAsync(QueueUrl, 1, TimeSpan.FromSeconds(20), null, CancellationToken.None);
        await WaitForRequestsAsync(1);
        _time.Advance(TimeSpan.FromSeconds(29));
        await Task.Yield();
        var stillWaiting = !receive.IsCompleted;
        _time.Advance(TimeSpan.FromSeconds(1));
        var error = Assert.CatchAsync<SqsException>(() => receive);

        Assert.Multiple(() =>
        {
            Assert.That(stillWaiting, Is.True, "timed out before wait + timeout");
            Assert.That(error!.ErrorCode, Is.EqualTo("RequestTimeout"));
        });
    }

    [Test]
    public async Task SendMessageAsync_CallerCancels_ThrowsCancellationWithoutRetrying()
    {
        _handler.Reply(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        using var client = CreateClient(maxRetryAttempts: 3);
        using var cancellation = new CancellationTokenSource();

        var send = client.SendMessageAsync(QueueUrl, "x", null, null, cancellation.Token);
        await WaitForRequestsAsync(1);
        await cancellation.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(() => send);
        Assert.That(_handler.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void SendMessageAsync_RetriesDisabled_TransientErrorTriedOnce()
    {
        _handler.ReplyError(HttpStatusCode.InternalServerError, "com.amazonaws.sqs#InternalError");
        using var client = CreateClient(maxRetryAttempts: 0);

        var error = Assert.CatchAsync<SqsException>(() => FakeClock.RunAsync(client.SendMessageAsync(QueueUrl, "x", null, null, CancellationToken.None), _time));

        Assert.Multiple(() =>
        {
            Assert.That(error!.IsTransient, Is.True);
            Assert.That(_handler.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task SendMessageAsync_NoRegionOrEndpointConfigured_TakesBothFromQueueUrl()
    {
        _handler.ReplyJson(HttpStatusCode.OK, $$"""{"MessageId":"m","MD5OfMessageBody":"{{FakeSqsHandler.Md5Hex("x")}}"}""");
        using var client = CreateClient(region: null);

        await FakeClock.RunAsync(client.SendMessageAsync("https://sqs.ap-southeast-2.amazonaws.com/1/q", "x", null, null, CancellationToken.None), _time);

        var request = _handler.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Uri, Is.EqualTo(new Uri("https://sqs.ap-southeast-2.amazonaws.com/")));
            Assert.That(request.CredentialScope, Does.Contain("/ap-southeast-2/sqs/"));
        });
    }

    [Test]
    public async Task GetQueueUrlAsync_NoRegionKnown_AsksFallbackAndUsesRegionalEndpoint()
    {
        _handler.ReplyJson(HttpStatusCode.OK, """{"QueueUrl":"https://sqs.sa-east-1.amazonaws.com/1/q"}""");
        var fallbackCalls = 0;
        using var client = CreateClient(region: null, regionFallback: _ => { fallbackCalls++; return Task.FromResult<string?>("sa-east-1"); });

        await FakeClock.RunAsync(client.GetQueueUrlAsync("q", null, CancellationToken.None), _time);
        await FakeClock.RunAsync(client.GetQueueUrlAsync("q", null, CancellationToken.None), _time);

        Assert.Multiple(() =>
        {
            Assert.That(_handler.Requests[0].Uri, Is.EqualTo(new Uri("https://sqs.sa-east-1.amazonaws.com/")));
            Assert.That(_handler.Requests[0].CredentialScope, Does.Contain("/sa-east-1/sqs/"));
            Assert.That(fallbackCalls, Is.EqualTo(1), "resolved once, then cached");
        });
    }

    [Test]
    public void GetQueueUrlAsync_NoRegionAnywhere_ThrowsConfigurationErrorWithoutSending()
    {
        using var client = CreateClient(region: null);

        Assert.ThrowsAsync<AwsConfigurationException>(() => client.GetQueueUrlAsync("q", null, CancellationToken.None));
        Assert.That(_handler.Requests, Is.Empty);
    }

    private SqsClient CreateClient(
        int maxRetryAttempts = 3,
        TimeSpan? requestTimeout = null,
        AwsCredentials? credentials = null,
        string? region = "eu-west-1",
        Func<CancellationToken, Task<string?>>? regionFallback = null)
    {
        var options = new SqsClientOptions
        {
            Region = region,
            MaxRetryAttempts = maxRetryAttempts,

            // Infinite unless a test is about timeouts: the fake clock then only moves for retry delays.
            RequestTimeout = requestTimeout ?? Timeout.InfiniteTimeSpan,
        };
        var http = new HttpClient(_handler, disposeHandler: false);
        return new SqsClient(options, new StaticAwsCredentialSource(credentials ?? new AwsCredentials("AKIDEXAMPLE", Secret)), http, _time, regionFallback: regionFallback);
    }

    private async Task WaitForRequestsAsync(int count)
    {
        var real = System.Diagnostics.Stopwatch.StartNew();
        while (_handler.Requests.Count < count && real.Elapsed < FakeClock.SafetyLimit)
        {
            await Task.Yield();
        }

        Assert.That(_handler.Requests, Has.Count.GreaterThanOrEqualTo(count));
    }
}
