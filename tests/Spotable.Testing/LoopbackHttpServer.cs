using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Spotable.Testing;

/// <summary>Kestrel on 127.0.0.1, port 0, running one request delegate: what every fake server here stands on.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackHttpServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<LoopbackHttpServer> StartAsync(RequestDelegate handler, CancellationToken cancellationToken, bool unlimitedBodies = false)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0);
            if (unlimitedBodies)
            {
                options.Limits.MaxRequestBodySize = null;
            }
        });
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new LoopbackHttpServer(app, new Uri(address));
    }

    /// <summary>
    /// Holds an answer for <paramref name="delay"/> on the fake's clock (a slow server). False when the client went
    /// away or the fake is stopping: the connection has then been aborted and the handler must return.
    /// </summary>
    public static async Task<bool> DelayAnswerAsync(HttpContext context, TimeSpan delay, TimeProvider time, CancellationToken stopping)
    {
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(delay, time, aborted.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Cleanup is not cancellable by the test; the bound only keeps a wedged connection from hanging it.
        using var stopBound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopBound.Token);
        await _app.DisposeAsync();
    }
}
