using System.Net;

namespace Spotable.Common.Sqs;

/// <summary>SQS rejected the request itself (<c>InvalidParameterValue</c>, <c>MissingParameter</c>, <c>InvalidAddress</c>, <c>InvalidMessageContents</c>, batch errors such as <c>TooManyEntriesInBatchRequest</c>, ...). Sending it again fails again.</summary>
public sealed class SqsInvalidRequestException : SqsException
{
    public SqsInvalidRequestException(string errorCode, string message, HttpStatusCode? httpStatus)
        : base(errorCode, message, httpStatus, isTransient: false)
    {
    }
}
