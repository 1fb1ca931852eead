namespace Spotable.Common.Imds;

/// <summary>
/// IMDS could not be reached: disabled by configuration, timed out, or the connection failed. Callers treat this
/// as "not on EC2 (or not allowed to ask)" and fall back, rather than as a fault.
/// </summary>
public sealed class ImdsUnavailableException : ImdsException
{
    public ImdsUnavailableException()
    {
    }

    public ImdsUnavailableException(string message)
        : base(message)
    {
    }

    public ImdsUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
