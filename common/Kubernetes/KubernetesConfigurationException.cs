namespace Spotable.Common.Kubernetes;

/// <summary>How to reach the Kubernetes API is unknown or unusable (no kubeconfig, a missing context, a bad certificate); the message says which and where.</summary>
public sealed class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException()
        : this("The Kubernetes client configuration is invalid.")
    {
    }

    public KubernetesConfigurationException(string message)
        : base(message)
    {
    }

    public KubernetesConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
