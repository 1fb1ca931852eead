namespace Spotable.Common.Aws;

/// <summary>The headers a SigV4 signature adds to a request. Secrets are not part of it; the token is sent as is.</summary>
public sealed record AwsSignature(string Authorization, string AmzDate, string SignedHeaders, string? SessionToken)
{
    /// <summary>The canonical request that was signed; tests compare it with the documentation's examples.</summary>
    internal string CanonicalRequest { get; init; } = "";

    /// <summary>Hex signature alone (the tail of <see cref="Authorization"/>).</summary>
    internal string Signature { get; init; } = "";

    /// <summary>Adds <c>x-amz-date</c>, <c>x-amz-security-token</c> (if any) and <c>Authorization</c>.</summary>
    public void ApplyTo(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Remove("x-amz-date");
        request.Headers.TryAddWithoutValidation("x-amz-date", AmzDate);
        request.Headers.Remove("x-amz-security-token");
        if (SessionToken is not null)
        {
            request.Headers.TryAddWithoutValidation("x-amz-security-token", SessionToken);
        }

        request.Headers.Remove("Authorization");
        request.Headers.TryAddWithoutValidation("Authorization", Authorization);
    }

    public override string ToString() => $"AwsSignature {{ AmzDate = {AmzDate}, SignedHeaders = {SignedHeaders} }}";
}
