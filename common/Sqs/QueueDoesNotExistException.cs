using System.Net;

namespace Spotable.Common.Sqs;

/// <summary>The queue does not exist (<c>QueueDoesNotExist</c>, legacy <c>AWS.SimpleQueueService.NonExistentQueue</c>): wrong name, region or account, or it was deleted.</summary>
public sealed class QueueDoesNotExistException : SqsException
{
    public QueueDoesNotExistException(string errorCode, string message, HttpStatusCode? httpStatus)
        : base(errorCode, message, httpStatus, isTransient: false)
    {
    }
}
