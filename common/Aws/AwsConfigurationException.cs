namespace Spotable.Common.Aws;

/// <summary>
/// AWS cannot be reached as configured: no region, no credentials, a malformed endpoint. Retrying does not help;
/// the message says what to set.
/// </summary>
public sealed class AwsConfigurationException : Exception
{
    public AwsConfigurationException()
    {
    }

    public AwsConfigurationException(string message)
        : base(message)
    {
    }

    public AwsConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
