using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spotable.Common.Imds;
using Spotable.Common.Kubernetes;
using Spotable.Common.Sqs;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Handling;
using Spotable.SpotAgent.Polling;
using Spotable.SpotAgent.Telemetry;

namespace Spotable.SpotAgent;

internal static class AgentServiceCollectionExtensions
{
    /// <summary>Everything the node agent needs; <paramref name="getEnv"/> reads IMDS, Kubernetes and AWS settings.</summary>
    public static IServiceCollection AddSpotAgent(this IServiceCollection services, AgentOptions options, Func<string, string?> getEnv)
    {
        services.AddSingleton(options);
        services.AddAgentTelemetry();
        services.AddSingleton<IImdsClient>(sp => new ImdsClient(ImdsOptions.FromEnvironment(getEnv), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ImdsClient>>()));
        services.AddSingleton<IKubernetesClient>(sp => new KubernetesClient(
            KubernetesClientConfiguration.FromEnvironment(getEnv), options: null, httpClient: null, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KubernetesClient>>()));
        services.AddSingleton<INodeNotifier>(sp =>
        {
            if (options.QueueUrl is null || options.DryRun)
            {
                return new LogNodeNotifier(sp.GetRequiredService<ILogger<LogNodeNotifier>>());
            }

            var time = sp.GetRequiredService<TimeProvider>();
            var sqs = SqsClient.ForQueue(options.QueueUrl, sp.GetRequiredService<IImdsClient>(), getEnv, time, sp.GetRequiredService<ILogger<SqsClient>>());
            return new SqsNodeNotifier(sqs, options.QueueUrl, sp.GetRequiredService<AgentMetrics>(), time, sp.GetRequiredService<ILogger<SqsNodeNotifier>>());
        });
        services.AddSingleton<NodeOperations>();
        services.AddSingleton<NoticeResponder>();
        services.AddHostedService<NoticePoller>();
        return services;
    }
}
