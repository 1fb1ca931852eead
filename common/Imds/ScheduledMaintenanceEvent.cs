namespace Spotable.Common.Imds;

/// <summary>
/// One entry of <c>events/maintenance/scheduled</c>. <see cref="Code"/> is instance-stop, instance-retirement,
/// instance-reboot, system-reboot or system-maintenance; <see cref="State"/> is active, canceled or completed.
/// </summary>
public sealed record ScheduledMaintenanceEvent(
    string EventId,
    string Code,
    string? Description,
    DateTimeOffset NotBefore,
    DateTimeOffset? NotAfter,
    string? State);
