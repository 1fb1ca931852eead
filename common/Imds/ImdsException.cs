namespace Spotable.Common.Imds;

/// <summary>IMDS answered, but not with something usable (an HTTP error, 403 disabled, malformed JSON).</summary>
public class ImdsException : Exception
{
    public ImdsException()
    {
    }

    public ImdsException(string message)
        : base(message)
    {
    }

    public ImdsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public ImdsException(string message, int? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status IMDS answered with, when there was an answer.</summary>
    public int? StatusCode { get; }
}
