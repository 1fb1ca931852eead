namespace Spotable.Launcher.Ports;

internal sealed class PortAllocationException(string message, Exception? inner = null) : Exception(message, inner);
