using System.Text.Json.Serialization;

namespace Spotable.Common.Sqs;

/// <summary>Source-generated (NativeAOT-safe) JSON for the SQS wire shapes. Property names are the API's, as declared.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    WriteIndented = false)]
[JsonSerializable(typeof(GetQueueUrlRequest))]
[JsonSerializable(typeof(CreateQueueRequest))]
[JsonSerializable(typeof(QueueUrlResponse))]
[JsonSerializable(typeof(SendMessageRequest))]
[JsonSerializable(typeof(SendMessageResponse))]
[JsonSerializable(typeof(SendMessageBatchRequest))]
[JsonSerializable(typeof(SendMessageBatchResponse))]
[JsonSerializable(typeof(ReceiveMessageRequest))]
[JsonSerializable(typeof(ReceiveMessageResponse))]
[JsonSerializable(typeof(DeleteMessageRequest))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class SqsJsonContext : JsonSerializerContext;
