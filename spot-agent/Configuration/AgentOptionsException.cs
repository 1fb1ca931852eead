namespace Spotable.SpotAgent.Configuration;

internal sealed class AgentOptionsException(string message) : Exception(message);
