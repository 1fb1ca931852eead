namespace Spotable.Common.Sqs;

/// <summary>
/// A batch entry SQS refused. <paramref name="SenderFault"/> false means the service failed it, and sending that
/// entry again may work; true means the entry itself is wrong.
/// </summary>
public sealed record SqsBatchFailure(string Id, string Code, string? Message, bool SenderFault);
