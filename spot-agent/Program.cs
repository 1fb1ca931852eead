using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spotable.Common.Logging;
using Spotable.SpotAgent;
using Spotable.SpotAgent.Configuration;
using Spotable.SpotAgent.Telemetry;

AgentOptions options;
try
{
    var parsed = AgentOptionsParser.Parse(args, Environment.GetEnvironmentVariable);
    if (parsed is null)
    {
        Console.Out.WriteLine(AgentOptionsParser.Usage);
        return 0;
    }

    options = parsed;
}
catch (AgentOptionsException e)
{
    Console.Error.WriteLine($"spot-agent: {e.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.Logging.SetMinimumLevel(options.LogLevel);
builder.Logging.AddProvider(new JsonLineLoggerProvider(Console.OpenStandardError(), TimeProvider.System, options.LogLevel));
builder.WebHost.UseUrls("http://" + options.Listen);
builder.Services.AddSpotAgent(options, Environment.GetEnvironmentVariable);

WebApplication app;
try
{
    app = builder.Build();

    // Resolve the clients now: a bad KUBECONFIG or IMDS setting stops the agent with one line, before it listens.
    _ = app.Services.GetRequiredService<Spotable.Common.Kubernetes.IKubernetesClient>();
    _ = app.Services.GetRequiredService<Spotable.Common.Imds.IImdsClient>();
    _ = app.Services.GetRequiredService<Spotable.SpotAgent.Handling.INodeNotifier>();
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException
    or Spotable.Common.Aws.AwsConfigurationException or Spotable.Common.Kubernetes.KubernetesConfigurationException)
{
    Console.Error.WriteLine($"spot-agent: {e.Message}");
    return 2;
}

app.MapAgentHealthEndpoints(options.PollInterval);
await app.RunAsync();
return 0;
