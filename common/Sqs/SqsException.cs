using System.Net;

namespace Spotable.Common.Sqs;

/// <summary>
/// An SQS call failed. <see cref="ErrorCode"/> is the service's code (<c>QueueDoesNotExist</c>, <c>ThrottlingException</c>,
/// ...) or one of ours: <c>TransportError</c> (no HTTP exchange), <c>RequestTimeout</c> (no reply in time),
/// <c>MalformedResponse</c>. <see cref="IsTransient"/> says whether trying again later can succeed; the client has
/// already retried those before throwing.
/// </summary>
public class SqsException : Exception
{
    public SqsException()
        : this("The SQS request failed.")
    {
    }

    public SqsException(string message)
        : this("Unknown", message, httpStatus: null, isTransient: false)
    {
    }

    public SqsException(string message, Exception innerException)
        : this("Unknown", message, httpStatus: null, isTransient: false, innerException: innerException)
    {
    }

    public SqsException(string errorCode, string message, HttpStatusCode? httpStatus, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        HttpStatus = httpStatus;
        IsTransient = isTransient;
    }

    public string ErrorCode { get; }

    /// <summary>Null when no HTTP response arrived.</summary>
    public HttpStatusCode? HttpStatus { get; }

    public bool IsTransient { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the failed call, for AWS support.</summary>
    public string? RequestId { get; init; }

    /// <summary>The server's Retry-After, when it sent one; the retry honours it.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
