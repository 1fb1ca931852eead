namespace Spotable.Common.Aws;

/// <summary>Fixed keys: for tests and local emulators (which accept any keys).</summary>
public sealed class StaticAwsCredentialSource : IAwsCredentialSource
{
    private readonly AwsCredentials _credentials;

    public StaticAwsCredentialSource(AwsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
    }

    public StaticAwsCredentialSource(string accessKeyId, string secretAccessKey, string? sessionToken = null)
        : this(new AwsCredentials(accessKeyId, secretAccessKey, sessionToken))
    {
    }

    public ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_credentials);
}
