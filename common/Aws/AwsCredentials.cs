namespace Spotable.Common.Aws;

/// <summary>
/// An access key pair, with a session token when the keys are temporary (IRSA, instance profile, assumed role).
/// <see cref="ToString"/> never prints the secret or the token, so a record that reaches a log line leaks nothing.
/// </summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() =>
        $"AwsCredentials {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = ***, SessionToken = {(SessionToken is null ? "none" : "***")} }}";
}
