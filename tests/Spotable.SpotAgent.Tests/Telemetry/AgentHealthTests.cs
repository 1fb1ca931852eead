using Spotable.SpotAgent.Telemetry;
using Spotable.Testing;

namespace Spotable.SpotAgent.Tests.Telemetry;

public sealed class AgentHealthTests
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    [Test]
    public void IsAlive_BeforeFirstIteration_AliveWithinStartupAllowanceThenStalled()
    {
        var time = new FakeTimeProvider();
        var health = new AgentHealth(time);

        time.Advance(s_interval * 3);
        var withinAllowance = health.IsAlive(s_interval);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var afterAllowance = health.IsAlive(s_interval);

        Assert.Multiple(() =>
        {
            Assert.That(withinAllowance, Is.True);
            Assert.That(afterAllowance, Is.False);
            Assert.That(health.SinceLastIteration, Is.Null);
            Assert.That(health.SinceStart, Is.EqualTo(TimeSpan.FromMilliseconds(3001)));
        });
    }

    [Test]
    public void IsAlive_NoIterationForThreeIntervals_StalledUntilTheNextIteration()
    {
        var time = new FakeTimeProvider();
        var health = new AgentHealth(time);
        health.MarkIterationCompleted();

        time.Advance(s_interval * 3);
        var atThreeIntervals = health.IsAlive(s_interval);
        time.Advance(TimeSpan.FromMilliseconds(500));
        var stalled = health.IsAlive(s_interval);
        var stalledFor = health.SinceLastIteration;
        health.MarkIterationCompleted();
        var recovered = health.IsAlive(s_interval);

        Assert.Multiple(() =>
        {
            Assert.That(atThreeIntervals, Is.True);
            Assert.That(stalled, Is.False);
            Assert.That(stalledFor, Is.EqualTo(TimeSpan.FromSeconds(3.5)));
            Assert.That(recovered, Is.True);
            Assert.That(health.SinceLastIteration, Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    public void IsAlive_IterationsEveryInterval_StaysAlive()
    {
        var time = new FakeTimeProvider();
        var health = new AgentHealth(time);
        var interval = TimeSpan.FromSeconds(5);
        var alive = new List<bool>();

        for (var i = 0; i < 10; i++)
        {
            time.Advance(interval);
            health.MarkIterationCompleted();
            time.Advance(interval * 2);
            alive.Add(health.IsAlive(interval));
        }

        Assert.That(alive, Is.All.True);
    }

    [Test]
    public void IsAlive_LongerInterval_ScalesTheStallThreshold()
    {
        var time = new FakeTimeProvider();
        var health = new AgentHealth(time);
        health.MarkIterationCompleted();

        time.Advance(TimeSpan.FromSeconds(20));

        Assert.Multiple(() =>
        {
            Assert.That(health.IsAlive(TimeSpan.FromSeconds(1)), Is.False);
            Assert.That(health.IsAlive(TimeSpan.FromSeconds(10)), Is.True);
        });
    }

    [Test]
    public void IsAlive_NonPositiveInterval_Throws()
    {
        var health = new AgentHealth(new FakeTimeProvider());

        Assert.Multiple(() =>
        {
            Assert.That(() => health.IsAlive(TimeSpan.Zero), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => health.IsAlive(TimeSpan.FromSeconds(-1)), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void IsReady_UntilMarkReady_False()
    {
        var time = new FakeTimeProvider();
        var health = new AgentHealth(time);
        health.MarkIterationCompleted();
        var readyAfterIteration = health.IsReady;

        health.MarkReady();

        Assert.Multiple(() =>
        {
            Assert.That(readyAfterIteration, Is.False);
            Assert.That(health.IsReady, Is.True);
        });
    }
}
