using System.Diagnostics;
using NUnit.Framework;

namespace Spotable.Testing;

/// <summary>Drives a task to completion on a <see cref="FakeTimeProvider"/>, one timer step at a time.</summary>
public static class FakeClock
{
    public static readonly TimeSpan SafetyLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Lets <paramref name="task"/> run to completion on the fake clock: whenever it waits on a timer (a retry delay,
    /// an attempt timeout) the clock moves by <paramref name="step"/>. Nothing sleeps on real time; the loop only
    /// yields (1 ms of real time, never a timing claim) so continuations can run, and gives up after <see cref="SafetyLimit"/> of real time (a hang, not a timing).
    /// </summary>
    public static async Task<T> RunAsync<T>(Task<T> task, FakeTimeProvider time, TimeSpan? step = null)
    {
        await DriveAsync(task, time, step ?? TimeSpan.FromMilliseconds(100));
        return await task;
    }

    public static async Task RunAsync(Task task, FakeTimeProvider time, TimeSpan? step = null)
    {
        await DriveAsync(task, time, step ?? TimeSpan.FromMilliseconds(100));
        await task;
    }

    private static async Task DriveAsync(Task task, FakeTimeProvider time, TimeSpan step)
    {
        var real = Stopwatch.StartNew();
        while (!task.IsCompleted && real.Elapsed < SafetyLimit)
        {
            // Let queued work run first (a fake handler's answer, a continuation): the clock moves only while the
            // code under test is idle and waiting on a timer. Advancing while it is busy would, on a loaded machine,
            // race a request's own timeout past an answer that is already on its way.
            await Task.Delay(1);
            if (!task.IsCompleted && time.ActiveTimerCount > 0 && ThreadPool.PendingWorkItemCount == 0)
            {
                time.Advance(step);
            }
        }

        if (!task.IsCompleted)
        {
            Assert.Fail("The call did not finish on the fake clock.");
        }
    }
}
