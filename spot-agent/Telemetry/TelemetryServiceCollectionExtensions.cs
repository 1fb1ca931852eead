using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Spotable.SpotAgent.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="AgentMetrics"/>, <see cref="AgentHealth"/> and a <see cref="PrometheusExporter"/> that
    /// sees only this container's <c>Spotable.SpotAgent</c> meter; adds <see cref="TimeProvider.System"/> unless a
    /// TimeProvider is already registered.
    /// </summary>
    public static IServiceCollection AddAgentTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new PrometheusExporter([AgentMetrics.MeterName], sp.GetRequiredService<IMeterFactory>()));
        services.TryAddSingleton(static sp =>
        {
            // A MeterListener only sees measurements made while it listens: the exporter is built before the first
            // instrument can record, not when /metrics is first scraped.
            _ = sp.GetRequiredService<PrometheusExporter>();
            return new AgentMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(static sp => new AgentHealth(sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
