namespace Spotable.SpotAgent.Tests.Manifests;

/// <summary>Every kustomization under manifests/ renders with kubectl and yields well-formed objects.</summary>
public class KustomizationTests
{
    // Whether a kind is namespaced, for every kind the manifests use; a new kind fails the test until it is added here,
    // so nothing is waved through as "cluster-scoped" by accident.
    private static readonly Dictionary<string, bool> s_namespacedKinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = false,
        ["ClusterRole"] = false,
        ["ClusterRoleBinding"] = false,
        ["PriorityClass"] = false,
        ["ServiceAccount"] = true,
        ["Role"] = true,
        ["RoleBinding"] = true,
        ["DaemonSet"] = true,
        ["Deployment"] = true,
        ["ConfigMap"] = true,
        ["Secret"] = true,
        ["Service"] = true,
        ["PodDisruptionBudget"] = true,
    };

    private static readonly string[] s_workloadKinds = ["DaemonSet", "Deployment", "StatefulSet", "Job"];

    public static IEnumerable<string> AllKustomizations() => Kustomize.Kustomizations();

    [Test]
    public void Kustomizations_Listed_BaseAndTheRequiredOverlays()
    {
        Assert.That(Kustomize.Kustomizations(), Is.SupersetOf(new[]
        {
            "base", "overlays/dry-run", "overlays/irsa", "overlays/node-role", "overlays/game-server-example",
        }));
    }

    [TestCaseSource(nameof(AllKustomizations))]
    public void Render_EachKustomization_RendersObjects(string kustomization)
    {
        var objects = Kustomize.Render(kustomization);

        Assert.That(objects, Is.Not.Empty);
    }

    [TestCaseSource(nameof(AllKustomizations))]
    public void Render_EachKustomization_EveryObjectHasApiVersionKindNameAndItsNamespace(string kustomization)
    {
        var objects = Kustomize.Render(kustomization);

        Assert.Multiple(() =>
        {
            foreach (var o in objects)
            {
                Assert.That(o.ApiVersion, Is.Not.Null.And.Not.Empty, $"{o.Root.Path}: apiVersion");
                Assert.That(o.Kind, Is.Not.Null.And.Not.Empty, $"{o.Root.Path}: kind");
                Assert.That(o.Name, Is.Not.Null.And.Not.Empty, $"{o.Root.Path}: metadata.name");
                Assert.That(s_namespacedKinds.TryGetValue(o.Kind ?? string.Empty, out var namespaced), Is.True,
                    $"{o}: kind not in the table of known kinds; add whether it is namespaced");
                if (namespaced)
                {
                    Assert.That(o.Namespace, Is.Not.Null.And.Not.Empty, $"{o}: a namespaced kind needs metadata.namespace");
                }
                else
                {
                    Assert.That(o.Namespace, Is.Null, $"{o}: a cluster-scoped kind takes no namespace");
                }
            }
        });
    }

    [TestCaseSource(nameof(AllKustomizations))]
    public void Render_EachKustomization_NamespacesOfObjectsAreCreatedByIt(string kustomization)
    {
        var objects = Kustomize.Render(kustomization);
        var created = objects.Where(o => o.Kind == "Namespace").Select(o => o.Name).ToHashSet();

        Assert.That(objects.Select(o => o.Namespace).OfType<string>().Distinct(), Is.SubsetOf(created),
            "`kubectl apply -k` on an empty cluster fails for a namespace it does not create");
    }

    [TestCaseSource(nameof(AllKustomizations))]
    public void Render_EachKustomization_EveryContainerHasAPinnedImage(string kustomization)
    {
        var workloads = Kustomize.Render(kustomization).Where(o => s_workloadKinds.Contains(o.Kind)).ToList();

        Assert.That(workloads, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var container in workloads.SelectMany(w => w.Containers.Concat(w.InitContainers)))
            {
                var image = container["image"].String;
                Assert.That(image, Is.Not.Null.And.Not.Empty, $"{container.Path}.image");
                var lastSegment = image?.Split('/')[^1] ?? string.Empty;
                Assert.That(lastSegment.Contains(':', StringComparison.Ordinal) || image!.Contains('@', StringComparison.Ordinal), Is.True,
                    $"{container.Path}.image {image} has no tag or digest");
                Assert.That(image, Does.Not.EndWith(":latest"), $"{container.Path}.image");
            }
        });
    }

    [TestCaseSource(nameof(AllKustomizations))]
    public void Render_EachKustomization_EveryContainerHardened(string kustomization)
    {
        var workloads = Kustomize.Render(kustomization).Where(o => s_workloadKinds.Contains(o.Kind)).ToList();

        Assert.That(workloads, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var container in workloads.SelectMany(w => w.Containers.Concat(w.InitContainers)))
            {
                var security = container["securityContext"];
                Assert.That(security["allowPrivilegeEscalation"].Bool, Is.False, $"{security.Path}.allowPrivilegeEscalation");
                Assert.That(security["readOnlyRootFilesystem"].Bool, Is.True, $"{security.Path}.readOnlyRootFilesystem");
                Assert.That(security["capabilities"]["drop"].Strings, Does.Contain("ALL"), $"{security.Path}.capabilities.drop");
                Assert.That(security["capabilities"]["add"].Exists, Is.False, $"{security.Path}.capabilities.add");
                Assert.That(security["privileged"].Bool, Is.Not.True, $"{security.Path}.privileged");
                Assert.That(container["resources"]["limits"]["memory"].String, Is.Not.Null, $"{container.Path}.resources.limits.memory");
            }
        });
    }

    [Test]
    public void RenderDirectory_BrokenKustomization_ThrowsWithKubectlStderr()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"kustomize-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllText(Path.Combine(directory, "kustomization.yaml"), "resources:\n  - missing.yaml\n");

            var error = Assert.Throws<InvalidOperationException>(() => Kustomize.RenderDirectory(directory));

            Assert.That(error!.Message, Does.Contain("exited 1").And.Contain("missing.yaml"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Parse_MultiDocumentYaml_NavigatesMappingsSequencesAndScalars()
    {
        const string yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n  annotations:\n    quoted: \"false\"\n"
            + "data:\n  n: \"1\"\nlist:\n  - name: first\n    value: 3\n  - name: second\n    flag: true\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n";

        var objects = Kustomize.Parse(yaml, "inline");

        Assert.Multiple(() =>
        {
            Assert.That(objects.Select(o => o.ToString()), Is.EqualTo(new[] { "ConfigMap/a in x", "Namespace/x" }));
            var first = objects[0];
            Assert.That(first["metadata"]["annotations"]["quoted"].String, Is.EqualTo("false"));
            Assert.That(first["metadata"]["annotations"]["quoted"].IsQuotedString, Is.True);
            Assert.That(first["metadata"]["annotations"]["quoted"].Bool, Is.Null, "a quoted \"false\" is a string, not a boolean");
            Assert.That(first["list"].ItemWhere("name", "first")["value"].Integer, Is.EqualTo(3));
            Assert.That(first["list"][1]["flag"].Bool, Is.True);
            Assert.That(first["list"].ItemWhere("name", "third").Exists, Is.False);
            Assert.That(first["nothing"]["deeper"].Exists, Is.False);
            Assert.That(first["nothing"]["deeper"].Path, Is.EqualTo("inline#0:ConfigMap/a.nothing.deeper"));
            Assert.That(first["metadata"].Entries.Keys, Is.EquivalentTo(new[] { "name", "namespace", "annotations" }));
        });
    }
}
