namespace Spotable.Common.Aws;

/// <summary>
/// The AWS SDK's default credential chain: environment keys, shared profile, web identity (IRSA), ECS container
/// credentials, then the EC2 instance profile. Resolved on first use, refreshed by the SDK before expiry.
/// Off AWS set <c>AWS_EC2_METADATA_DISABLED=true</c>, or the last link probes the instance metadata service.
/// </summary>
public sealed class DefaultAwsCredentialSource : IAwsCredentialSource
{
    private readonly Func<CancellationToken, Task<AwsCredentials>> _resolve = AwsSdk.CreateDefaultChain();

    /// <exception cref="AwsConfigurationException">No link of the chain has credentials, or refreshing them failed.</exception>
    public async ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken) => await _resolve(cancellationToken);
}
