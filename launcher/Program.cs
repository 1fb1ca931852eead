using System.Reflection;
using Microsoft.Extensions.Logging;
using Spotable.Common.Aws;
using Spotable.Common.Imds;
using Spotable.Common.Logging;
using Spotable.Launcher;
using Spotable.Launcher.Endpoint;
using Spotable.Launcher.Options;
using Spotable.Launcher.Publishing;
using Spotable.Launcher.Readiness;

LauncherOptions options;
try
{
    options = LauncherOptionsParser.Parse(args, Environment.GetEnvironmentVariable);
}
catch (OptionsException e)
{
    // One plain line for a person at a terminal or reading `kubectl logs`; nothing has been started.
    Console.Error.WriteLine($"launcher: {e.Message}");
    return LauncherApp.UsageExitCode;
}

if (options.ShowHelp)
{
    Console.Out.WriteLine(HelpText.Usage);
    return 0;
}

if (options.ShowVersion)
{
    Console.Out.WriteLine(typeof(LauncherApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown");
    return 0;
}

var time = TimeProvider.System;
using var loggers = LoggerFactory.Create(builder => builder
    .SetMinimumLevel(options.LogLevel)
    .AddProvider(new JsonLineLoggerProvider(Console.OpenStandardError(), time, options.LogLevel)));

ImdsOptions imdsOptions;
try
{
    imdsOptions = ImdsOptions.FromEnvironment(Environment.GetEnvironmentVariable);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"launcher: {e.Message}");
    return LauncherApp.UsageExitCode;
}

using var imds = imdsOptions.Disabled ? null : new ImdsClient(imdsOptions, time, loggers.CreateLogger<ImdsClient>());
IEventSink sink;
try
{
    sink = EventSinkFactory.Create(options.QueueUrl, imds, loggers, time);
}
catch (AwsConfigurationException e)
{
    Console.Error.WriteLine($"launcher: {e.Message}");
    return LauncherApp.UsageExitCode;
}

await using var events = sink;
using var app = new LauncherApp(
    options,
    loggers,
    time,
    new PublicEndpointResolver(imds, time, loggers.CreateLogger<PublicEndpointResolver>()),
    events,
    new ProcNetSocketTable());
return await app.RunAsync();
