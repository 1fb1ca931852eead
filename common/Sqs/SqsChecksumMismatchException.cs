namespace Spotable.Common.Sqs;

/// <summary>
/// The MD5 digest SQS reported for a body does not match what was sent (or what arrived): the body was altered in
/// transit. Not retried: for a send, the service may have stored the message already.
/// </summary>
public sealed class SqsChecksumMismatchException : SqsException
{
    public SqsChecksumMismatchException(string message)
        : base("MD5Mismatch", message, httpStatus: null, isTransient: false)
    {
    }
}
