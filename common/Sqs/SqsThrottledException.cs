using System.Net;

namespace Spotable.Common.Sqs;

/// <summary>SQS asked us to slow down: <c>ThrottlingException</c>, <c>RequestThrottled</c>, <c>KmsThrottled</c>, <c>OverLimit</c> or HTTP 429. Transient.</summary>
public sealed class SqsThrottledException : SqsException
{
    public SqsThrottledException(string errorCode, string message, HttpStatusCode? httpStatus)
        : base(errorCode, message, httpStatus, isTransient: true)
    {
    }
}
