using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coupons.Api.Auth;
using Coupons.Api.Codes;
using Coupons.Api.Hosting;
using Coupons.Api.Protection;
using Coupons.Api.Tests.Contract;
using Coupons.Postgres;
using Coupons.Redis;
using Microsoft.Extensions.Configuration;
using Npgsql;
using YamlDotNet.RepresentationModel;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// The compose topology (<c>deploy/compose</c>) as <c>docker-compose config</c> resolves it (Debian's
/// <c>docker-compose</c>: it checks the file against the compose schema, merges the env files and
/// resolves paths, with no engine), held to what the service and the tools in it need: pinned
/// images, the API nodes' settings read by the service's own options classes, and Prometheus,
/// Grafana and nginx configured on the files the repository has, checked by <c>promtool</c> and
/// <c>nginx -t</c>.
/// </summary>
public sealed partial class ContainerComposeTests
{
    private static readonly string Root = CommittedDocument.RepositoryRoot();
    private static readonly string ComposeDir = Path.Combine(Root, "deploy", "compose");

    [Fact]
    public async Task Every_image_is_pinned_and_every_mounted_file_is_in_the_repository()
    {
        var services = await ServicesAsync();
        Assert.Equal(
            ["api-1", "api-2", "grafana", "nginx", "postgres-0", "postgres-1", "prometheus", "redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6", "redis-cluster-init"],
            services.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, service) in services)
        {
            if (name.StartsWith("api-", StringComparison.Ordinal))
            {
                Assert.Equal((Root, "Dockerfile"), (Text(service, "build", "context"), Text(service, "build", "dockerfile")));
            }
            else
            {
                Assert.Matches(PinnedImage(), Text(service, "image"));
            }

            foreach (var (source, _) in Mounts(service).Where(m => m.Source.StartsWith('/')))
            {
                Assert.True(File.Exists(source) || Directory.Exists(source), $"{name} mounts {source}");
                Assert.StartsWith(Root, source, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task The_api_nodes_run_the_image_on_the_redis_store_with_settings_the_service_reads()
    {
        var services = await ServicesAsync();
        var image = DockerfileSpec.Read();
        var documented = DocumentedKeys();
        var nodes = services.Where(s => s.Key.StartsWith("api-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, nodes.Count);
        var consumers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, node) in nodes)
        {
            Assert.Equal("true", Text(node, "read_only"));
            Assert.Contains((name + "-data", image.Volumes.Single()), Mounts(node));
            var env = ((YamlMappingNode)node["environment"]).Children.ToDictionary(c => c.Key.ToString(), c => (string?)c.Value.ToString());
            foreach (var key in env.Keys)
            {
                var setting = string.Join(':', key.Split("__").Reverse().SkipWhile(part => part.All(char.IsAsciiDigit)).Reverse());
                Assert.True(documented.Contains(setting), $"{name}: {key} is not a setting of the README's configuration table");
            }

            // Read as the service reads them.
            var settings = new ConfigurationBuilder().AddInMemoryCollection(env.ToDictionary(e => e.Key.Replace("__", ":", StringComparison.Ordinal), e => e.Value)).Build();
            Assert.Equal(StoreKind.Redis, StoreChoice.Of(settings));
            var redisNodes = RedisStoreOptions.From(settings).Configuration.Split(',');
            Assert.Equal(services.Keys.Where(s => RedisNode().IsMatch(s)).Order(StringComparer.Ordinal).Select(s => s + ":6379"), redisNodes);
            var shards = PostgresOptions.From(settings).Shards.Select(s => new NpgsqlConnectionStringBuilder(s)).ToList();
            Assert.Equal(["postgres-0", "postgres-1"], shards.Select(s => s.Host!));
            foreach (var shard in shards)
            {
                var postgres = (YamlMappingNode)services[shard.Host!]["environment"];
                Assert.Equal((Text(postgres, "POSTGRES_DB"), Text(postgres, "POSTGRES_USER"), Text(postgres, "POSTGRES_PASSWORD")), (shard.Database, shard.Username, shard.Password));
            }

            Assert.True(System.Text.Encoding.UTF8.GetByteCount(AuthOptions.From(settings).SigningKey ?? "") >= 32, "a signing key of 32 bytes or more");
            Assert.NotNull(CodeKeys.Resolve(settings));
            Assert.True(consumers.Add(settings.GetSection(PersisterSettings.Section).Get<PersisterSettings>()!.Consumer), "each node's persister has its own consumer name");
            var proxies = settings.GetSection(ProtectionOptions.Section).Get<ProtectionOptions>()!.TrustedProxies;
            Assert.Equal([Text(services["nginx"], "networks", "default", "ipv4_address")], proxies);
            Assert.Equal("service_completed_successfully", Text(node, "depends_on", "redis-cluster-init", "condition"));
            Assert.Equal("service_healthy", Text(node, "depends_on", "postgres-0", "condition"));
        }

        // Keys and passwords come from the env file, never written in compose.yaml itself.
        var raw = new YamlStream();
        raw.Load(new StringReader(await File.ReadAllTextAsync(Path.Combine(ComposeDir, "compose.yaml"))));
        foreach (var (name, _) in nodes)
        {
            var inline = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)raw.Documents[0].RootNode)["services"])[name];
            Assert.Equal("api.env", Text(inline, "env_file"));
            Assert.DoesNotContain(((YamlMappingNode)inline["environment"]).Children.Keys, k => k.ToString().Contains("Key", StringComparison.Ordinal) || k.ToString().Contains("Shards", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_redis_cluster_is_six_nodes_with_fsync_on_every_write_made_once_by_the_init_container()
    {
        var services = await ServicesAsync();
        var redis = services.Where(s => RedisNode().IsMatch(s.Key)).ToList();
        Assert.Equal(6, redis.Count);
        foreach (var (_, node) in redis)
        {
            var command = string.Join(' ', ((YamlSequenceNode)node["command"]).Select(c => c.ToString()));
            Assert.Contains("--cluster-enabled yes", command, StringComparison.Ordinal);
            Assert.Contains("--appendonly yes --appendfsync always", command, StringComparison.Ordinal);
            Assert.Equal("service_healthy", Text((YamlMappingNode)services["redis-cluster-init"]["depends_on"], redis[0].Key, "condition"));
        }

        var init = ((YamlSequenceNode)services["redis-cluster-init"]["command"]).Single().ToString();
        Assert.Contains("redis-cli --cluster create $$nodes --cluster-replicas 1 --cluster-yes", init, StringComparison.Ordinal);
        Assert.Contains("for n in 1 2 3 4 5 6;", init, StringComparison.Ordinal);
        Assert.Contains("cluster_state:ok", init, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_scrapes_every_api_node_as_job_coupons_and_its_config_with_the_mounted_rules_passes_promtool()
    {
        var services = await ServicesAsync();
        var container = ContainerView(services["prometheus"]);
        try
        {
            var config = Path.Combine(container, "etc", "prometheus", "prometheus.yml");
            var (exitCode, output) = await RunAsync("promtool", Root, "check", "config", config);
            Assert.True(exitCode == 0, output);
            Assert.Contains("SUCCESS: 8 rules found", output, StringComparison.Ordinal);

            var stream = new YamlStream();
            stream.Load(new StringReader(await File.ReadAllTextAsync(config)));
            var job = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode)["scrape_configs"]).Single();
            Assert.Equal("coupons", Text(job, "job_name"));
            var targets = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"]).Single())["targets"]).Select(t => t.ToString());
            var port = DockerfileSpec.Read().Expose.Single();
            Assert.Equal(services.Keys.Where(s => s.StartsWith("api-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(s => s + ":" + port), targets);
        }
        finally
        {
            Directory.Delete(container, recursive: true);
        }
    }

    [Fact]
    public async Task Grafana_provisions_prometheus_as_the_default_data_source_and_the_repositorys_dashboard()
    {
        var services = await ServicesAsync();
        var mounts = Mounts(services["grafana"]).ToDictionary(m => m.Target, m => m.Source);
        var provisioning = mounts["/etc/grafana/provisioning"];
        var dashboardTarget = mounts.Single(m => m.Value == Path.Combine(Root, "deploy", "grafana", "coupons-dashboard.json")).Key;

        var datasource = (YamlMappingNode)((YamlSequenceNode)Load(Path.Combine(provisioning, "datasources", "prometheus.yaml"))["datasources"]).Single();
        Assert.Equal(("prometheus", "true"), (Text(datasource, "type"), Text(datasource, "isDefault")));
        Assert.Equal("http://prometheus:9090", Text(datasource, "url"));
        Assert.Contains(services["prometheus"]["ports"].AllNodes.OfType<YamlScalarNode>(), p => p.Value == "9090");
        var provider = (YamlMappingNode)((YamlSequenceNode)Load(Path.Combine(provisioning, "dashboards", "coupons.yaml"))["providers"]).Single();
        Assert.Equal(("file", Path.GetDirectoryName(dashboardTarget)), (Text(provider, "type"), Text(provider, "options", "path")));

        // The dashboard asks for a Prometheus data source by its variable, which takes the default one.
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(mounts[dashboardTarget]))!;
        var variable = dashboard["templating"]!["list"]!.AsArray().Single(v => v!["type"]!.GetValue<string>() == "datasource")!;
        Assert.Equal("prometheus", variable["query"]!.GetValue<string>());
        Assert.All(dashboard["panels"]!.AsArray().Where(p => p!["datasource"] is not null), p => Assert.Equal("${" + variable["name"] + "}", p!["datasource"]!["uid"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Nginx_balances_the_api_nodes_from_the_trusted_address_and_its_config_passes_nginx_t()
    {
        var services = await ServicesAsync();
        var (source, target) = Mounts(services["nginx"]).Single();
        Assert.Equal("/etc/nginx/conf.d/default.conf", target);
        var text = await File.ReadAllTextAsync(source);
        var port = DockerfileSpec.Read().Expose.Single();
        var apiNodes = services.Keys.Where(s => s.StartsWith("api-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(apiNodes.Select(n => n + ":" + port), UpstreamServer().Matches(text).Select(m => m.Groups[1].Value));
        Assert.Contains("proxy_set_header X-Forwarded-For $remote_addr;", text, StringComparison.Ordinal);

        // The image's nginx.conf includes conf.d/*.conf in its http block; here the service names are loopback.
        var dir = Directory.CreateTempSubdirectory("coupons-nginx-").FullName;
        try
        {
            var conf = apiNodes.Aggregate(text, (current, node) => current.Replace(node + ":", "127.0.0.1:", StringComparison.Ordinal));
            await File.WriteAllTextAsync(Path.Combine(dir, "default.conf"), conf);
            await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), $"pid {dir}/nginx.pid;\nerror_log {dir}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  include {dir}/default.conf;\n}}\n");
            var (exitCode, output) = await RunAsync("nginx", dir, "-t", "-p", dir, "-c", Path.Combine(dir, "nginx.conf"));
            Assert.True(exitCode == 0, output);
            Assert.Contains("test is successful", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary><c>docker-compose config</c>: the file checked against the compose schema and resolved (env files merged, paths absolute).</summary>
    private static async Task<Dictionary<string, YamlMappingNode>> ServicesAsync()
    {
        var (exitCode, output) = await RunAsync("docker-compose", ComposeDir, "-f", "compose.yaml", "config");
        Assert.True(exitCode == 0, "docker-compose config (Debian: apt-get install --no-install-recommends docker-compose):\n" + output);
        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        return ((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"]).Children
            .ToDictionary(c => c.Key.ToString(), c => (YamlMappingNode)c.Value);
    }

    /// <summary>A service's volumes as (source, target): a named volume's name, or a bind mount's absolute path.</summary>
    private static List<(string Source, string Target)> Mounts(YamlMappingNode service) =>
        !service.Children.ContainsKey("volumes") ? [] : [.. ((YamlSequenceNode)service["volumes"]).Select(v => v.ToString().Split(':')).Select(p => (p[0], p[1]))];

    /// <summary>A temporary folder holding a service's bind-mounted files at their paths in the container.</summary>
    private static string ContainerView(YamlMappingNode service)
    {
        var root = Directory.CreateTempSubdirectory("coupons-container-").FullName;
        foreach (var (source, target) in Mounts(service).Where(m => m.Source.StartsWith('/')))
        {
            var path = Path.Combine(root, target.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(source, path);
        }

        return root;
    }

    /// <summary>The configuration keys of the README's table ("`Coupons:Protection:Ip:Limit` / `:Window`" gives both).</summary>
    private static HashSet<string> DocumentedKeys()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var table = readme[readme.IndexOf("## Configuration", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n#", StringComparison.Ordinal)];
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in table.Split('\n').Where(r => r.StartsWith("| `", StringComparison.Ordinal)))
        {
            var names = Code().Matches(row.Split('|')[1]).Select(m => m.Groups[1].Value).ToList();
            keys.Add(names[0]);
            keys.UnionWith(names.Skip(1).Where(n => n.StartsWith(':')).Select(n => names[0][..names[0].LastIndexOf(':')] + n));
        }

        return keys;
    }

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Text(YamlMappingNode node, params string[] path) =>
        path[..^1].Aggregate(node, (current, key) => (YamlMappingNode)current[key])[path[^1]].ToString();

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException(program + " did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$")]
    private static partial Regex PinnedImage();

    [GeneratedRegex(@"^redis-\d+$")]
    private static partial Regex RedisNode();

    [GeneratedRegex(@"^\s*server\s+([\w.-]+:\d+)", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();
}
