namespace Spotable.Launcher.Options;

/// <summary>A bad option or environment variable: the launcher prints the message on one line and exits 2.</summary>
internal sealed class OptionsException(string message) : Exception(message);
