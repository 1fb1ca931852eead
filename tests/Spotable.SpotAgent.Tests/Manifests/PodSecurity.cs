namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>
/// The Pod Security Standards checks (https://kubernetes.io/docs/concepts/security/pod-security-standards/) that a
/// namespace's <c>pod-security.kubernetes.io/enforce</c> label applies at admission, for the fields these manifests
/// use. Returns the names of the violated controls, as the admission message lists them.
/// </summary>
internal static class PodSecurity
{
    public const string EnforceLabel = "pod-security.kubernetes.io/enforce";

    private static readonly HashSet<string> s_baselineCapabilities = new(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
        "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    private static readonly HashSet<string> s_restrictedVolumeTypes = new(StringComparer.Ordinal)
    {
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    };

    public static IReadOnlyList<string> Violations(string level, YamlValue podSpec)
    {
        if (level is not ("baseline" or "restricted"))
        {
            return level == "privileged" ? [] : throw new ArgumentException($"unknown Pod Security level {level}", nameof(level));
        }

        var containers = podSpec["containers"].Items.Concat(podSpec["initContainers"].Items).ToList();
        var pod = podSpec["securityContext"];
        var violations = new List<string>();

        if (podSpec["hostNetwork"].Bool == true || podSpec["hostPID"].Bool == true || podSpec["hostIPC"].Bool == true)
        {
            violations.Add("host namespaces");
        }

        if (containers.Any(c => c["securityContext"]["privileged"].Bool == true))
        {
            violations.Add("privileged");
        }

        if (containers.SelectMany(c => c["securityContext"]["capabilities"]["add"].Strings).Any(cap => !s_baselineCapabilities.Contains(cap)))
        {
            violations.Add("capabilities");
        }

        if (podSpec["volumes"].Items.Any(v => v["hostPath"].Exists))
        {
            violations.Add("hostPath volumes");
        }

        // With hostNetwork the API server defaults every containerPort's hostPort to the same number.
        if (containers.SelectMany(c => c["ports"].Items).Any(p => (p["hostPort"].Integer ?? 0) != 0 || podSpec["hostNetwork"].Bool == true))
        {
            violations.Add("hostPort");
        }

        if (new[] { pod }.Concat(containers.Select(c => c["securityContext"])).Any(s => s["seccompProfile"]["type"].String == "Unconfined"))
        {
            violations.Add("seccompProfile");
        }

        if (level == "baseline")
        {
            return violations;
        }

        if (podSpec["volumes"].Items.Any(v => !v.Entries.Keys.Any(s_restrictedVolumeTypes.Contains)))
        {
            violations.Add("restricted volume types");
        }

        if (containers.Any(c => c["securityContext"]["allowPrivilegeEscalation"].Bool != false))
        {
            violations.Add("allowPrivilegeEscalation != false");
        }

        if (containers.Any(c => (c["securityContext"]["runAsNonRoot"].Bool ?? pod["runAsNonRoot"].Bool) != true))
        {
            violations.Add("runAsNonRoot != true");
        }

        if (containers.Any(c => (c["securityContext"]["runAsUser"].Integer ?? pod["runAsUser"].Integer) == 0))
        {
            violations.Add("runAsUser=0");
        }

        if (containers.Any(c => (c["securityContext"]["seccompProfile"]["type"].String ?? pod["seccompProfile"]["type"].String) is not ("RuntimeDefault" or "Localhost")))
        {
            violations.Add("seccompProfile");
        }

        if (containers.Any(c => !c["securityContext"]["capabilities"]["drop"].Strings.Contains("ALL")
            || c["securityContext"]["capabilities"]["add"].Strings.Any(cap => cap != "NET_BIND_SERVICE")))
        {
            violations.Add("unrestricted capabilities");
        }

        return [.. violations.Distinct()];
    }
}
