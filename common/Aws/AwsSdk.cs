using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Internal.Auth;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;

namespace Spotable.Common.Aws;

/// <summary>
/// The one place that touches AWSSDK.Core's low-level and "Internal" types (AWS4Signer, the default credential
/// chain, ImmutableCredentials, the runtime dependency registry). They are public but not a stable contract:
/// an SDK upgrade that moves them should break this file only. Every caller sees our own types.
/// </summary>
internal static class AwsSdk
{
    private static int _stsRegistered;

    /// <summary>
    /// The Authorization header value for a SigV4 request, from the canonical request we built ourselves.
    /// <paramref name="signedAtUtc"/> must be the same instant written into <c>x-amz-date</c>.
    /// </summary>
    public static (string Authorization, string Signature) ComputeAuthorization(
        AwsCredentials credentials,
        string region,
        DateTime signedAtUtc,
        string service,
        string signedHeaders,
        string canonicalRequest)
    {
        var sdkCredentials = new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken);
        var result = AWS4Signer.ComputeSignature(sdkCredentials, region, signedAtUtc, service, signedHeaders, canonicalRequest);
        return (result.ForAuthorizationHeader, result.Signature);
    }

    /// <summary>
    /// Resolves the SDK's default chain (environment keys, shared profile, web identity / IRSA through
    /// AWSSDK.SecurityToken, ECS container credentials, EC2 instance profile) once; the returned function then hands
    /// out the current keys, which the SDK caches and refreshes before they expire.
    /// </summary>
    public static Func<CancellationToken, Task<AwsCredentials>> CreateDefaultChain()
    {
        RegisterStsForNativeAot();

        // Kept for the chain's lifetime and never disposed: the SDK designs it as long-lived, and in some versions
        // disposing it disposes what it resolved (the instance-profile refresher among them).
        var resolver = new DefaultAWSCredentialsIdentityResolver();
        var gate = new SemaphoreSlim(1, 1);
        AWSCredentials? resolved = null;

        return async cancellationToken =>
        {
            var source = Volatile.Read(ref resolved);
            if (source is null)
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    source = resolved;
                    if (source is null)
                    {
                        try
                        {
                            // A null client config is accepted: it only names a profile or proxy settings.
                            source = await resolver.ResolveIdentityAsync(null, cancellationToken);
                        }
                        catch (AmazonClientException e)
                        {
                            throw new AwsConfigurationException(
                                "No AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with IRSA "
                                + "(AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE) or an EC2 instance profile. SDK said: " + e.Message,
                                e);
                        }

                        Volatile.Write(ref resolved, source);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }

            ImmutableCredentials current;
            try
            {
                current = await source.GetCredentialsAsync();
            }
            catch (AmazonClientException e)
            {
                // Refreshing temporary credentials failed (STS or IMDS unreachable, token file unreadable).
                throw new AwsConfigurationException("AWS credentials could not be refreshed: " + e.Message, e);
            }

            return new AwsCredentials(current.AccessKey, current.SecretKey, current.UseToken ? current.Token : null);
        };
    }

    /// <summary>
    /// Web identity (IRSA) needs the STS client from AWSSDK.SecurityToken. The SDK finds it by reflection, which
    /// trimming/NativeAOT removes, so under NativeAOT we register a factory (see the SDK's
    /// GlobalRuntimeDependencyRegistry and aws/aws-sdk-net#3153). AssumeRoleWithWebIdentity is an unsigned call,
    /// hence anonymous credentials. Limitation: a shared-profile <c>role_arn</c> + <c>source_profile</c> would get this
    /// anonymous client too and fail under NativeAOT; pods use IRSA or the instance profile, not profiles.
    /// Under the JIT we leave the SDK's own reflection path alone: it handles every case.
    /// </summary>
    private static void RegisterStsForNativeAot()
    {
        if (RuntimeFeature.IsDynamicCodeSupported || Interlocked.Exchange(ref _stsRegistered, 1) == 1)
        {
            return;
        }

        GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(context =>
        {
            var region = context.SecurityTokenServiceClientContextData?.Region ?? RegionEndpoint.USEast1;
            var config = new AmazonSecurityTokenServiceConfig { RegionEndpoint = region };
            if (context.SecurityTokenServiceClientContextData?.ProxySettings is { } proxy)
            {
                config.SetWebProxy(proxy);
            }

            return new AmazonSecurityTokenServiceClient(new AnonymousAWSCredentials(), config);
        });
    }
}
