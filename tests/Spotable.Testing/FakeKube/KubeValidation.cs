using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Spotable.Testing.FakeKube;

/// <summary>
/// The slices of k8s.io/apimachinery/pkg/util/validation and pkg/apis/core/validation that the objects the fake stores
/// are checked against: names, label and annotation keys and values, node taints, event namespaces.
/// </summary>
internal static partial class KubeValidation
{
    public const string QualifiedNameDetail =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        + "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    public const string LabelValueDetail =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    public const string Dns1123SubdomainDetail =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
        + "alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static readonly string[] TaintEffects = ["NoExecute", "NoSchedule", "PreferNoSchedule"];

    /// <summary>Problems with a qualified name (label key, annotation key, taint key); empty when valid.</summary>
    public static IReadOnlyList<string> QualifiedNameErrors(string value)
    {
        var errors = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0)
                {
                    errors.Add("prefix part must be non-empty");
                }
                else if (!IsDns1123Subdomain(parts[0]))
                {
                    errors.Add("prefix part " + Dns1123SubdomainDetail);
                }

                break;
            default:
                errors.Add(QualifiedNameDetail + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
        }

        if (name.Length == 0)
        {
            errors.Add("name part must be non-empty");
        }
        else if (name.Length > 63)
        {
            errors.Add("name part must be no more than 63 characters");
        }
        else if (!QualifiedNamePart().IsMatch(name))
        {
            errors.Add(QualifiedNameDetail);
        }

        return errors;
    }

    /// <summary>Problems with a label value; empty when valid.</summary>
    public static IReadOnlyList<string> LabelValueErrors(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63)
        {
            errors.Add("must be no more than 63 characters");
        }

        if (!LabelValue().IsMatch(value))
        {
            errors.Add(LabelValueDetail);
        }

        return errors;
    }

    public static bool IsDns1123Subdomain(string value) => value.Length <= 253 && Dns1123Subdomain().IsMatch(value);

    /// <summary>Label and annotation keys and values under <c>metadata</c>.</summary>
    public static void ValidateObjectMeta(JsonObject? metadata, List<FieldError> errors)
    {
        if (metadata?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                foreach (var error in QualifiedNameErrors(key))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", key, error));
                }

                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (text is null)
                {
                    errors.Add(FieldError.Invalid($"metadata.labels[{key}]", value?.ToJsonString() ?? "null", "must be a string"));
                    continue;
                }

                foreach (var error in LabelValueErrors(text))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", text, error));
                }
            }
        }

        if (metadata?["annotations"] is JsonObject annotations)
        {
            foreach (var (key, _) in annotations)
            {
                foreach (var error in QualifiedNameErrors(key.ToLowerInvariant()))
                {
                    errors.Add(FieldError.Invalid("metadata.annotations", key, error));
                }
            }

            // TotalAnnotationSizeLimitB in apimachinery's ValidateAnnotations.
            var size = annotations.Sum(a => a.Key.Length + (a.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s.Length : 0));
            if (size > 256 * 1024)
            {
                errors.Add(new FieldError("FieldValueTooLong", "metadata.annotations", "Too long: must have at most 262144 bytes"));
            }
        }
    }

    /// <summary>validateNodeTaints: key, value, effect, and unique key+effect pairs.</summary>
    public static void ValidateTaints(JsonNode? taints, List<FieldError> errors)
    {
        if (taints is null)
        {
            return;
        }

        if (taints is not JsonArray array)
        {
            errors.Add(FieldError.Invalid("spec.taints", taints.ToJsonString(), "must be a list"));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"spec.taints[{i}]");
            if (array[i] is not JsonObject taint)
            {
                errors.Add(FieldError.Invalid(path, array[i]?.ToJsonString() ?? "null", "must be an object"));
                continue;
            }

            var key = KubeJson.GetString(taint, "key") ?? string.Empty;
            if (key.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".key"));
            }

            foreach (var error in key.Length == 0 ? [] : QualifiedNameErrors(key))
            {
                errors.Add(FieldError.Invalid(path + ".key", key, error));
            }

            var value = KubeJson.GetString(taint, "value") ?? string.Empty;
            foreach (var error in LabelValueErrors(value))
            {
                errors.Add(FieldError.Invalid(path + ".value", value, error));
            }

            var effect = KubeJson.GetString(taint, "effect") ?? string.Empty;
            if (effect.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".effect"));
            }
            else if (!TaintEffects.Contains(effect, StringComparer.Ordinal))
            {
                errors.Add(FieldError.NotSupported(path + ".effect", effect, TaintEffects));
            }

            if (effect.Length > 0 && !seen.Add(key + ":" + effect))
            {
                errors.Add(new FieldError(
                    "FieldValueDuplicate", path, $"Duplicate value: \"{key}:{effect}\": taints must be unique by key and effect pair"));
            }
        }
    }

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\\z")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z")]
    private static partial Regex Dns1123Subdomain();
}
