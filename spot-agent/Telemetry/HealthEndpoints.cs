using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Spotable.SpotAgent.Telemetry;

/// <summary>
/// GET /healthz (the poll loop is alive), /readyz (first poll and Kubernetes check done) and /metrics (Prometheus).
/// Handlers are plain RequestDelegates: no Request Delegate Generator, reflection or JSON, so trimming and NativeAOT
/// have nothing to warn about.
/// </summary>
internal static class HealthEndpoints
{
    private const string PlainText = "text/plain; charset=utf-8";

    /// <summary>Maps the endpoints with the <see cref="AgentHealth"/> and <see cref="PrometheusExporter"/> of the container.</summary>
    public static IEndpointRouteBuilder MapAgentHealthEndpoints(this IEndpointRouteBuilder endpoints, TimeSpan pollInterval)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        return endpoints.MapAgentHealthEndpoints(
            services.GetRequiredService<AgentHealth>(), services.GetRequiredService<PrometheusExporter>(), pollInterval);
    }

    public static IEndpointRouteBuilder MapAgentHealthEndpoints(
        this IEndpointRouteBuilder endpoints, AgentHealth health, PrometheusExporter exporter, TimeSpan pollInterval)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);

        endpoints.MapGet("/healthz", context => context.Response.HealthAsync(health, pollInterval));
        endpoints.MapGet("/readyz", context => health.IsReady
            ? WriteAsync(context.Response, StatusCodes.Status200OK, PlainText, "ready")
            : WriteAsync(context.Response, StatusCodes.Status503ServiceUnavailable, PlainText, "not ready"));
        endpoints.MapGet("/metrics", context =>
            WriteAsync(context.Response, StatusCodes.Status200OK, PrometheusExporter.ContentType, exporter.Render()));
        return endpoints;
    }

    private static Task HealthAsync(this HttpResponse response, AgentHealth health, TimeSpan pollInterval)
    {
        if (health.IsAlive(pollInterval))
        {
            return WriteAsync(response, StatusCodes.Status200OK, PlainText, "ok");
        }

        var reason = health.SinceLastIteration is { } sinceLast
            ? string.Create(CultureInfo.InvariantCulture, $"loop stalled: last iteration {sinceLast.TotalSeconds:0.0} s ago")
            : string.Create(CultureInfo.InvariantCulture, $"loop stalled: no iteration completed in {health.SinceStart.TotalSeconds:0.0} s since start");
        return WriteAsync(response, StatusCodes.Status503ServiceUnavailable, PlainText, reason);
    }

    private static Task WriteAsync(HttpResponse response, int status, string contentType, string body)
    {
        response.StatusCode = status;
        response.ContentType = contentType;

        // Probes and scrapers want the state now, never a cached answer.
        response.Headers.CacheControl = "no-store";
        return response.WriteAsync(body, response.HttpContext.RequestAborted);
    }
}
