using System.Diagnostics;
using Coupons.Api.Tests.Contract;
using YamlDotNet.RepresentationModel;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// The Kubernetes manifests (<c>deploy/k8s</c>) as <c>kubectl kustomize</c> builds them: what an
/// operator applies. Read back as YAML and held to what the service needs: probes on its health
/// routes, a non-root read-only container, settings and secrets by reference, and the Service,
/// the autoscaler and the disruption budget all finding the Deployment's pods.
/// </summary>
public sealed class KubernetesTests
{
    private static readonly string K8sDir = Path.Combine(CommittedDocument.RepositoryRoot(), "deploy", "k8s");

    [Fact]
    public async Task Kustomize_builds_a_deployment_with_health_probes_a_locked_down_container_and_secrets_by_reference()
    {
        var resources = await BuildAsync();
        Assert.Equal(
            ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Namespace", "PodDisruptionBudget", "Service"],
            resources.Keys.Order(StringComparer.Ordinal));
        Assert.All(resources.Where(r => r.Key != "Namespace"), r => Assert.Equal("coupons", Text(r.Value, "metadata", "namespace")));

        var deployment = resources["Deployment"];
        var pod = Map(deployment, "spec", "template", "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"])[0];
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("8080", Text((YamlMappingNode)((YamlSequenceNode)container["ports"])[0], "containerPort"));
        Assert.Equal("true", Text(pod, "securityContext", "runAsNonRoot"));
        // The pod runs as the image's own user, who owns its /data volume.
        Assert.Equal(DockerfileSpec.Read().User, Text(pod, "securityContext", "runAsUser"));
        Assert.Equal("true", Text(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Text(container, "securityContext", "allowPrivilegeEscalation"));

        // Secrets only by reference, from the one Secret the README tells operators to create.
        var env = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToList();
        Assert.Contains(env, e => Text(e, "name") == "Coupons__Auth__SigningKey");
        Assert.All(env, e => Assert.Equal("coupons-secrets", Text(e, "valueFrom", "secretKeyRef", "name")));
        var settings = Map(resources["ConfigMap"], "data");
        Assert.Equal("redis", Text(settings, "Coupons__Store"));
        Assert.DoesNotContain(settings.Children.Keys, key => key.ToString().Contains("Key", StringComparison.Ordinal) || key.ToString().Contains("Shards", StringComparison.Ordinal));
        Assert.Equal(Text(resources["ConfigMap"], "metadata", "name"), Text((YamlMappingNode)((YamlSequenceNode)container["envFrom"])[0], "configMapRef", "name"));
    }

    [Fact]
    public async Task The_service_the_autoscaler_and_the_disruption_budget_find_the_deployments_pods()
    {
        var resources = await BuildAsync();
        var deployment = resources["Deployment"];
        var name = Text(deployment, "metadata", "name");
        var podLabels = Map(deployment, "spec", "template", "metadata", "labels").Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString());
        Assert.True(Matches(Map(deployment, "spec", "selector", "matchLabels"), podLabels), "the Deployment's selector matches its own pods");
        Assert.True(Matches(Map(resources["Service"], "spec", "selector"), podLabels), "the Service selects the pods");
        Assert.True(Matches(Map(resources["PodDisruptionBudget"], "spec", "selector", "matchLabels"), podLabels), "the budget covers the pods");

        var hpa = resources["HorizontalPodAutoscaler"];
        Assert.Equal(("Deployment", name), (Text(hpa, "spec", "scaleTargetRef", "kind"), Text(hpa, "spec", "scaleTargetRef", "name")));
        var metrics = ((YamlSequenceNode)Map(hpa, "spec")["metrics"]).Cast<YamlMappingNode>().ToList();
        Assert.Contains(metrics, m => Text(m, "type") == "Resource" && Text(m, "resource", "name") == "cpu");
        Assert.Contains(metrics, m => Text(m, "type") == "Pods" && Text(m, "pods", "metric", "name") == "http_server_requests_per_second");
        Assert.True(int.Parse(Text(resources["PodDisruptionBudget"], "spec", "minAvailable"), System.Globalization.CultureInfo.InvariantCulture)
            < int.Parse(Text(hpa, "spec", "minReplicas"), System.Globalization.CultureInfo.InvariantCulture), "a node may be drained without breaking the budget");
    }

    /// <summary><c>kubectl kustomize deploy/k8s</c>, its resources by kind.</summary>
    private static async Task<Dictionary<string, YamlMappingNode>> BuildAsync()
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, ArgumentList = { "kustomize", K8sDir } };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        var stream = new YamlStream();
        stream.Load(new StringReader(await output));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToDictionary(r => Text(r, "kind"));
    }

    private static bool Matches(YamlMappingNode selector, Dictionary<string, string> labels) =>
        selector.Children.Count > 0 && selector.Children.All(c => labels.GetValueOrDefault(c.Key.ToString()) == c.Value.ToString());

    private static YamlMappingNode Map(YamlMappingNode node, params string[] path) =>
        path.Aggregate(node, (current, key) => (YamlMappingNode)current[key]);

    private static string Text(YamlMappingNode node, params string[] path) =>
        ((YamlScalarNode)Map(node, path[..^1])[path[^1]]).Value!;
}
