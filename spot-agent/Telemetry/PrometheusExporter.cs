using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Spotable.SpotAgent.Telemetry;

/// <summary>
/// Aggregates the instruments of the named meters and renders them in the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format). Counters and up-down counters
/// are summed per label set, gauges keep the last value, histograms keep cumulative buckets (from the instrument's
/// advice, else Prometheus' defaults), <c>_sum</c> and <c>_count</c>; observable instruments are collected on each
/// render. Instrument names are written as they are (only characters Prometheus rejects become '_'), so counters
/// carry their own <c>_total</c>. Families and series are sorted ordinally, so equal state renders equal text.
/// </summary>
internal sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // client_golang's DefBuckets, for a histogram that gives no advice.
    private static readonly double[] s_defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly HashSet<string> _meterNames;
    private readonly IMeterFactory? _meterFactory;
    private readonly MeterListener _listener;
    private readonly Lock _familiesGate = new();
    private readonly Dictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly Lock _renderGate = new();
    private volatile bool _disposed;

    /// <param name="meterNames">Meters to export, by exact name.</param>
    /// <param name="meterFactory">
    /// When given, only meters this factory created: a host's meters are scoped to its factory, so two hosts in one
    /// process (tests) do not see each other's measurements.
    /// </param>
    public PrometheusExporter(IEnumerable<string> meterNames, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(meterNames);
        _meterNames = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _meterFactory = meterFactory;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<byte>((_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<short>((_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<float>((_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => Record(state, value, tags));
        _listener.SetMeasurementEventCallback<decimal>((_, value, tags, state) => Record(state, (double)value, tags));
        _listener.Start();
    }

    /// <summary>The whole exposition: observable instruments are collected now, then every family is written.</summary>
    public string Render()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var text = new StringBuilder();
        lock (_renderGate)
        {
            Family[] families;
            lock (_familiesGate)
            {
                families = [.. _families.Values];
            }

            Array.Sort(families, static (a, b) => string.CompareOrdinal(a.Name, b.Name));

            // An observable reports its whole state on each collection; a label set it stops reporting disappears.
            foreach (var family in families)
            {
                if (family.Shape.Observed)
                {
                    family.Clear();
                }
            }

            _listener.RecordObservableInstruments();
            foreach (var family in families)
            {
                family.WriteTo(text);
            }
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Dispose();
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterNames.Contains(instrument.Meter.Name)
            || (_meterFactory is not null && !ReferenceEquals(instrument.Meter.Scope, _meterFactory))
            || ShapeOf(instrument) is not { } shape)
        {
            return;
        }

        var name = SanitizeName(instrument.Name, allowColon: true);
        Family family;
        lock (_familiesGate)
        {
            if (_families.TryGetValue(name, out var existing))
            {
                // Two instruments of one name (a meter per host, the same meter twice) share the family; one of
                // another type cannot, as a name has one TYPE. It is left out rather than rendering invalid text.
                if (existing.Shape != shape)
                {
                    return;
                }

                family = existing;
            }
            else
            {
                family = new Family(name, shape, instrument.Description, shape.Type == "histogram" ? BucketsOf(instrument) : []);
                _families.Add(name, family);
            }

            family.InstrumentCount++;
        }

        listener.EnableMeasurementEvents(instrument, new Binding(family, InstrumentLabels(instrument)));
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not Binding binding)
        {
            return;
        }

        // A disposed meter's instruments are gone; so are their series.
        lock (_familiesGate)
        {
            var family = binding.Family;
            if (--family.InstrumentCount == 0 && _families.TryGetValue(family.Name, out var current) && current == family)
            {
                _families.Remove(family.Name);
            }
        }
    }

    private static void Record(object? state, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (state is Binding binding)
        {
            binding.Family.Record(LabelKey(binding.InstrumentLabels, tags), value);
        }
    }

    private static Shape? ShapeOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(Counter<>) ? new Shape("counter", Accumulates: true, Observed: false)
            : definition == typeof(UpDownCounter<>) ? new Shape("gauge", Accumulates: true, Observed: false)
            : definition == typeof(Gauge<>) ? new Shape("gauge", Accumulates: false, Observed: false)
            : definition == typeof(Histogram<>) ? new Shape("histogram", Accumulates: true, Observed: false)
            : definition == typeof(ObservableCounter<>) ? new Shape("counter", Accumulates: false, Observed: true)
            : definition == typeof(ObservableUpDownCounter<>) ? new Shape("gauge", Accumulates: false, Observed: true)
            : definition == typeof(ObservableGauge<>) ? new Shape("gauge", Accumulates: false, Observed: true)
            : null;
    }

    private static double[] BucketsOf(Instrument instrument)
    {
        var advised = instrument switch
        {
            Histogram<double> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<float> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<long> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<int> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<short> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<byte> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            Histogram<decimal> h => ToDoubles(h.Advice?.HistogramBucketBoundaries),
            _ => null,
        };

        // +Inf is always written last; the finite bounds must be strictly increasing for BinarySearch and for "le".
        var bounds = advised?.Where(double.IsFinite).Distinct().Order().ToArray();
        return bounds is { Length: > 0 } ? bounds : s_defaultBuckets;
    }

    private static double[]? ToDoubles<T>(IReadOnlyList<T>? values)
        where T : struct =>
        values?.Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray();

    private static KeyValuePair<string, string>[] InstrumentLabels(Instrument instrument) =>
        instrument.Tags is null ? [] : [.. instrument.Tags.Select(t => new KeyValuePair<string, string>(SanitizeName(t.Key, allowColon: false), LabelValue(t.Value)))];

    /// <summary>The rendered, sorted label list (<c>a="x",b="y"</c>): one string is both the series key and its text.</summary>
    private static string LabelKey(KeyValuePair<string, string>[] instrumentLabels, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrumentLabels.Length == 0 && tags.IsEmpty)
        {
            return string.Empty;
        }

        // A measurement's tag wins over the instrument's tag of the same name.
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in instrumentLabels)
        {
            labels[label.Key] = label.Value;
        }

        foreach (var tag in tags)
        {
            labels[SanitizeName(tag.Key, allowColon: false)] = LabelValue(tag.Value);
        }

        var key = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (key.Length > 0)
            {
                key.Append(',');
            }

            key.Append(name).Append("=\"");
            AppendEscaped(key, value, escapeQuote: true);
            key.Append('"');
        }

        return key.ToString();
    }

    private static string LabelValue(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Metric names match <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, label names the same without ':'.</summary>
    private static string SanitizeName(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var result = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            result.Append('_');
        }

        foreach (var c in name)
        {
            result.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return result.ToString();
    }

    /// <summary>HELP text escapes backslash and newline; label values also escape the double quote.</summary>
    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuote)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                '"' when escapeQuote => text.Append("\\\""),
                _ => text.Append(c),
            };
        }
    }

    private static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private readonly record struct Shape(string Type, bool Accumulates, bool Observed);

    private sealed record Binding(Family Family, KeyValuePair<string, string>[] InstrumentLabels);

    private sealed class Family(string name, Shape shape, string? description, double[] bounds)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HistogramSeries> _histograms = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public Shape Shape { get; } = shape;

        /// <summary>Instruments feeding this family; guarded by the exporter's families lock.</summary>
        public int InstrumentCount { get; set; }

        public void Record(string labelKey, double value)
        {
            lock (_gate)
            {
                if (Shape.Type == "histogram")
                {
                    if (double.IsNaN(value))
                    {
                        return;
                    }

                    if (!_histograms.TryGetValue(labelKey, out var series))
                    {
                        series = new HistogramSeries(bounds.Length + 1);
                        _histograms.Add(labelKey, series);
                    }

                    series.Add(BucketIndex(value), value);
                }
                else if (Shape.Accumulates)
                {
                    _values[labelKey] = _values.GetValueOrDefault(labelKey) + value;
                }
                else
                {
                    _values[labelKey] = value;
                }
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _values.Clear();
                _histograms.Clear();
            }
        }

        public void WriteTo(StringBuilder text)
        {
            lock (_gate)
            {
                if (_values.Count == 0 && _histograms.Count == 0)
                {
                    return;
                }

                if (!string.IsNullOrEmpty(description))
                {
                    text.Append("# HELP ").Append(Name).Append(' ');
                    AppendEscaped(text, description, escapeQuote: false);
                    text.Append('\n');
                }

                text.Append("# TYPE ").Append(Name).Append(' ').Append(Shape.Type).Append('\n');
                foreach (var labelKey in _values.Keys.Order(StringComparer.Ordinal))
                {
                    AppendSample(text, Name, labelKey, FormatValue(_values[labelKey]));
                }

                foreach (var labelKey in _histograms.Keys.Order(StringComparer.Ordinal))
                {
                    WriteHistogram(text, labelKey, _histograms[labelKey]);
                }
            }
        }

        private void WriteHistogram(StringBuilder text, string labelKey, HistogramSeries series)
        {
            var prefix = labelKey.Length == 0 ? "le=\"" : labelKey + ",le=\"";
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += series.Counts[i];
                AppendSample(text, Name + "_bucket", prefix + FormatValue(bounds[i]) + "\"", FormatCount(cumulative));
            }

            AppendSample(text, Name + "_bucket", prefix + "+Inf\"", FormatCount(series.Count));
            AppendSample(text, Name + "_sum", labelKey, FormatValue(series.Sum));
            AppendSample(text, Name + "_count", labelKey, FormatCount(series.Count));
        }

        /// <summary>Buckets are "less than or equal": a value on a bound counts in that bound's bucket.</summary>
        private int BucketIndex(double value)
        {
            var index = Array.BinarySearch(bounds, value);
            return index >= 0 ? index : ~index;
        }

        private static void AppendSample(StringBuilder text, string name, string labelKey, string value)
        {
            text.Append(name);
            if (labelKey.Length > 0)
            {
                text.Append('{').Append(labelKey).Append('}');
            }

            text.Append(' ').Append(value).Append('\n');
        }

        private static string FormatCount(long count) => count.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class HistogramSeries(int buckets)
    {
        public long[] Counts { get; } = new long[buckets];

        public long Count { get; private set; }

        public double Sum { get; private set; }

        public void Add(int bucket, double value)
        {
            Counts[bucket]++;
            Count++;
            Sum += value;
        }
    }
}
