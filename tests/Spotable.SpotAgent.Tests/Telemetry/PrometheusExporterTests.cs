using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Spotable.SpotAgent.Telemetry;

namespace Spotable.SpotAgent.Tests.Telemetry;

public sealed class PrometheusExporterTests
{
    private Meter _meter = null!;
    private PrometheusExporter _exporter = null!;

    [SetUp]
    public void SetUp()
    {
        // A meter name of its own per test: MeterListener is process-wide, so no other test's instruments leak in.
        var name = "Spotable.Tests.Exporter." + Guid.NewGuid().ToString("N");
        _meter = new Meter(name);
        _exporter = new PrometheusExporter([name]);
    }

    [TearDown]
    public void TearDown()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Test]
    public void Render_CountersWithLabels_WritesSortedGoldenText()
    {
        var counter = _meter.CreateCounter<long>("spotable_things_total", "{thing}", "Things, by colour and size.");
        counter.Add(2, new("size", "small"), new("colour", "red"));
        counter.Add(1, new("colour", "blue"), new("size", "large"));
        counter.Add(3, new("size", "small"), new("colour", "red"));

        var text = _exporter.Render();

        Assert.That(text, Is.EqualTo(
            """
            # HELP spotable_things_total Things, by colour and size.
            # TYPE spotable_things_total counter
            spotable_things_total{colour="blue",size="large"} 1
            spotable_things_total{colour="red",size="small"} 5

            """.ReplaceLineEndings("\n")));
    }

    [Test]
    public void Render_DoubleCounterWithoutLabels_WritesOneUnlabelledSample()
    {
        var counter = _meter.CreateCounter<double>("spotable_bytes_total", description: "Bytes.");
        counter.Add(0.25);
        counter.Add(1.5);

        Assert.That(_exporter.Render(), Is.EqualTo("# HELP spotable_bytes_total Bytes.\n# TYPE spotable_bytes_total counter\nspotable_bytes_total 1.75\n"));
    }

    [Test]
    public void Render_LabelValueWithBackslashQuoteAndNewline_EscapesEach()
    {
        var counter = _meter.CreateCounter<long>("spotable_escapes_total");
        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"quoted\"\nnext"));

        var text = _exporter.Render();

        Assert.That(text, Does.Contain("spotable_escapes_total{path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1\n"));
    }

    [Test]
    public void Render_HelpWithBackslashAndNewline_EscapesBothButNotQuotes()
    {
        var counter = _meter.CreateCounter<long>("spotable_help_total", description: "a \\ b\n\"c\"");
        counter.Add(1);

        Assert.That(_exporter.Render(), Does.StartWith("# HELP spotable_help_total a \\\\ b\\n\"c\"\n"));
    }

    [Test]
    public void Render_InvalidMetricAndLabelNames_ReplacesInvalidCharacters()
    {
        var counter = _meter.CreateCounter<long>("http.server.requests");
        counter.Add(1, new KeyValuePair<string, object?>("http.method", "GET"), new KeyValuePair<string, object?>("2xx", true));

        Assert.That(_exporter.Render(), Does.Contain("http_server_requests{_2xx=\"true\",http_method=\"GET\"} 1\n"));
    }

    [Test]
    public void Render_Histogram_WritesCumulativeBucketsInfSumAndCount()
    {
        var histogram = _meter.CreateHistogram(
            "spotable_wait_seconds",
            "s",
            "Waits.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5] });
        histogram.Record(0.5, new KeyValuePair<string, object?>("kind", "game"));
        histogram.Record(1, new KeyValuePair<string, object?>("kind", "game"));
        histogram.Record(3, new KeyValuePair<string, object?>("kind", "game"));
        histogram.Record(10, new KeyValuePair<string, object?>("kind", "game"));
        histogram.Record(2);

        var text = _exporter.Render();

        Assert.That(text, Is.EqualTo(
            """
            # HELP spotable_wait_seconds Waits.
            # TYPE spotable_wait_seconds histogram
            spotable_wait_seconds_bucket{le="1"} 0
            spotable_wait_seconds_bucket{le="2"} 1
            spotable_wait_seconds_bucket{le="5"} 1
            spotable_wait_seconds_bucket{le="+Inf"} 1
            spotable_wait_seconds_sum 2
            spotable_wait_seconds_count 1
            spotable_wait_seconds_bucket{kind="game",le="1"} 2
            spotable_wait_seconds_bucket{kind="game",le="2"} 2
            spotable_wait_seconds_bucket{kind="game",le="5"} 3
            spotable_wait_seconds_bucket{kind="game",le="+Inf"} 4
            spotable_wait_seconds_sum{kind="game"} 14.5
            spotable_wait_seconds_count{kind="game"} 4

            """.ReplaceLineEndings("\n")));
    }

    [Test]
    public void Render_HistogramWithoutAdvice_UsesPrometheusDefaultBuckets()
    {
        var histogram = _meter.CreateHistogram<long>("spotable_plain");
        histogram.Record(7);

        var buckets = _exporter.Render().Split('\n').Where(l => l.StartsWith("spotable_plain_bucket", StringComparison.Ordinal)).ToArray();

        Assert.That(buckets, Is.EqualTo(new[]
        {
            "spotable_plain_bucket{le=\"0.005\"} 0",
            "spotable_plain_bucket{le=\"0.01\"} 0",
            "spotable_plain_bucket{le=\"0.025\"} 0",
            "spotable_plain_bucket{le=\"0.05\"} 0",
            "spotable_plain_bucket{le=\"0.1\"} 0",
            "spotable_plain_bucket{le=\"0.25\"} 0",
            "spotable_plain_bucket{le=\"0.5\"} 0",
            "spotable_plain_bucket{le=\"1\"} 0",
            "spotable_plain_bucket{le=\"2.5\"} 0",
            "spotable_plain_bucket{le=\"5\"} 0",
            "spotable_plain_bucket{le=\"10\"} 1",
            "spotable_plain_bucket{le=\"+Inf\"} 1",
        }));
    }

    [Test]
    public void Render_ObservableGauge_CollectsTheCurrentValueOnEachRender()
    {
        double current = 42;
        _meter.CreateObservableGauge("spotable_temperature", () => current, "Cel", "Temperature.");

        var first = _exporter.Render();
        current = -1.5;
        var second = _exporter.Render();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("# HELP spotable_temperature Temperature.\n# TYPE spotable_temperature gauge\nspotable_temperature 42\n"));
            Assert.That(second, Is.EqualTo("# HELP spotable_temperature Temperature.\n# TYPE spotable_temperature gauge\nspotable_temperature -1.5\n"));
        });
    }

    [Test]
    public void Render_ObservableStopsReportingALabelSet_SeriesDisappears()
    {
        var reported = new List<Measurement<long>> { new(1, new KeyValuePair<string, object?>("queue", "a")), new(2, new KeyValuePair<string, object?>("queue", "b")) };
        _meter.CreateObservableUpDownCounter("spotable_depth", () => reported.ToArray());

        var first = _exporter.Render();
        reported.RemoveAt(0);
        var second = _exporter.Render();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("# TYPE spotable_depth gauge\nspotable_depth{queue=\"a\"} 1\nspotable_depth{queue=\"b\"} 2\n"));
            Assert.That(second, Is.EqualTo("# TYPE spotable_depth gauge\nspotable_depth{queue=\"b\"} 2\n"));
        });
    }

    [Test]
    public void Render_ObservableCounter_WritesReportedTotalNotASum()
    {
        long total = 10;
        _meter.CreateObservableCounter("spotable_observed_total", () => total);

        _ = _exporter.Render();
        total = 12;

        Assert.That(_exporter.Render(), Is.EqualTo("# TYPE spotable_observed_total counter\nspotable_observed_total 12\n"));
    }

    [Test]
    public void Render_UpDownCounterAndGauge_TypedGaugeWithSumAndLastValue()
    {
        var upDown = _meter.CreateUpDownCounter<int>("spotable_in_flight");
        var gauge = _meter.CreateGauge<double>("spotable_ratio");
        upDown.Add(5);
        upDown.Add(-2);
        gauge.Record(0.5);
        gauge.Record(0.75);

        Assert.That(_exporter.Render(), Is.EqualTo(
            "# TYPE spotable_in_flight gauge\nspotable_in_flight 3\n# TYPE spotable_ratio gauge\nspotable_ratio 0.75\n"));
    }

    [Test]
    public void Render_InstrumentsCreatedAndRecordedInAnyOrder_SameSortedText()
    {
        var zebra = _meter.CreateCounter<long>("spotable_zebra_total");
        var apple = _meter.CreateCounter<long>("spotable_apple_total");
        zebra.Add(1, new KeyValuePair<string, object?>("k", "b"));
        apple.Add(1, new KeyValuePair<string, object?>("k", "z"));
        zebra.Add(1, new KeyValuePair<string, object?>("k", "a"));
        apple.Add(1, new KeyValuePair<string, object?>("k", "B"));

        var first = _exporter.Render();
        var second = _exporter.Render();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(
                """
                # TYPE spotable_apple_total counter
                spotable_apple_total{k="B"} 1
                spotable_apple_total{k="z"} 1
                # TYPE spotable_zebra_total counter
                spotable_zebra_total{k="a"} 1
                spotable_zebra_total{k="b"} 1

                """.ReplaceLineEndings("\n")));
            Assert.That(second, Is.EqualTo(first));
        });
    }

    [Test]
    public void Render_NoMeasurementYet_OmitsTheFamily()
    {
        _meter.CreateCounter<long>("spotable_unused_total", description: "Never recorded.");

        Assert.That(_exporter.Render(), Is.Empty);
    }

    [Test]
    public void Render_MeterWithAnotherName_IsNotExported()
    {
        using var other = new Meter("Spotable.Tests.Exporter.Other." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<long>("spotable_other_total").Add(1);
        _meter.CreateCounter<long>("spotable_mine_total").Add(1);

        Assert.That(_exporter.Render(), Is.EqualTo("# TYPE spotable_mine_total counter\nspotable_mine_total 1\n"));
    }

    [Test]
    public void Render_MeterDisposed_DropsItsSeries()
    {
        _meter.CreateCounter<long>("spotable_gone_total").Add(1);
        Assert.That(_exporter.Render(), Does.Contain("spotable_gone_total 1"));

        _meter.Dispose();

        Assert.That(_exporter.Render(), Is.Empty);
    }

    [Test]
    public void Render_SameNameWithAnotherInstrumentType_KeepsTheFirstAndStaysValid()
    {
        using var second = new Meter(_meter.Name);
        _meter.CreateCounter<long>("spotable_clash").Add(3);
        second.CreateHistogram<double>("spotable_clash").Record(1);
        second.CreateCounter<long>("spotable_clash").Add(4);

        Assert.That(_exporter.Render(), Is.EqualTo("# TYPE spotable_clash counter\nspotable_clash 7\n"));
    }

    [Test]
    public void Render_MeterFactoryGiven_IgnoresMetersOfOtherFactories()
    {
        var name = "Spotable.Tests.Exporter.Scoped." + Guid.NewGuid().ToString("N");
        using var mine = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var theirs = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var myFactory = mine.GetRequiredService<IMeterFactory>();
        using var exporter = new PrometheusExporter([name], myFactory);
        myFactory.Create(name).CreateCounter<long>("spotable_scoped_total").Add(1);
        theirs.GetRequiredService<IMeterFactory>().Create(name).CreateCounter<long>("spotable_scoped_total").Add(100);

        Assert.That(exporter.Render(), Is.EqualTo("# TYPE spotable_scoped_total counter\nspotable_scoped_total 1\n"));
    }

    [Test]
    public void Render_ConcurrentRecordingAndScraping_CountsEveryMeasurement()
    {
        var counter = _meter.CreateCounter<long>("spotable_parallel_total");
        var histogram = _meter.CreateHistogram<double>("spotable_parallel_seconds");
        const int Threads = 8;
        const int PerThread = 20_000;

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            var label = new KeyValuePair<string, object?>("worker", thread % 2 == 0 ? "even" : "odd");
            for (var i = 0; i < PerThread; i++)
            {
                counter.Add(1, label);
                histogram.Record(0.001, label);
                if (i % 5_000 == 0)
                {
                    _ = _exporter.Render();
                }
            }
        });

        var text = _exporter.Render();
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain($"spotable_parallel_total{{worker=\"even\"}} {Threads / 2 * PerThread}\n"));
            Assert.That(text, Does.Contain($"spotable_parallel_total{{worker=\"odd\"}} {Threads / 2 * PerThread}\n"));
            Assert.That(text, Does.Contain($"spotable_parallel_seconds_count{{worker=\"odd\"}} {Threads / 2 * PerThread}\n"));
            Assert.That(text, Does.Contain($"spotable_parallel_seconds_bucket{{worker=\"even\",le=\"+Inf\"}} {Threads / 2 * PerThread}\n"));
        });
    }

    [Test]
    public void Render_AfterDispose_Throws()
    {
        _exporter.Dispose();

        Assert.That(() => _exporter.Render(), Throws.InstanceOf<ObjectDisposedException>());
    }
}
