using System.Net;

namespace Spotable.Common.Sqs;

/// <summary>The caller may not do this, or SQS does not accept the signature: <c>AccessDenied</c>, <c>InvalidClientTokenId</c>, <c>SignatureDoesNotMatch</c>, <c>ExpiredToken</c>, <c>RequestExpired</c> (clock skew), <c>KmsAccessDenied</c>, or a bare 401/403. Check the IAM policy, the keys and the clock.</summary>
public sealed class SqsAccessDeniedException : SqsException
{
    public SqsAccessDeniedException(string errorCode, string message, HttpStatusCode? httpStatus)
        : base(errorCode, message, httpStatus, isTransient: false)
    {
    }
}
