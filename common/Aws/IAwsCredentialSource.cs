namespace Spotable.Common.Aws;

/// <summary>Where request signing gets its keys. Called once per request: implementations cache and refresh.</summary>
public interface IAwsCredentialSource
{
    ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken);
}
