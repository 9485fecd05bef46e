using System.Text;
using Coupons.Api.Auth;
using Coupons.Api.Codes;
using Coupons.Core;

namespace Coupons.Api.Hosting;

/// <summary>
/// <c>check-config</c>: reads the configuration as the service does (appsettings.json,
/// appsettings.{Environment}.json, the environment, the command line after the command), checks
/// every setting as the start does (<see cref="SettingsCheck"/>), and prints the effective settings,
/// one <c>Key = value</c> a line, secrets masked. Creates nothing and connects nowhere: where the
/// service would create a key, it says so. Exits with 0 when every setting is valid, 2 when one is
/// not (one line a problem on the error output).
/// </summary>
public static class CheckConfigCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var builder = ServiceSetup.CreateBuilder(args);
        // Registration only: keys, files and connections are made when first asked for, which nothing here does.
        builder.AddCouponsService();
        using var services = builder.Services.BuildServiceProvider();
        var configuration = builder.Configuration;

        output.WriteLine($"# environment {builder.Environment.EnvironmentName}, content root {builder.Environment.ContentRootPath}");
        var problems = new List<string>();
        var warnings = new List<string>();
        foreach (var section in SettingsCheck.Sections(configuration))
        {
            var (options, sectionProblems) = section.Check(services);
            problems.AddRange(sectionProblems);
            output.WriteLine();
            output.WriteLine($"[{section.Name}]");
            WriteSettings(output, configuration, section, options);
            switch (options)
            {
                case AuthOptions auth:
                    WriteSigningKey(output, auth, problems);
                    break;
                case CodesOptions codes:
                    WriteCodeKeys(output, codes, StoreChoice.ForRegistration(configuration), problems, warnings);
                    break;
            }
        }

        WriteHost(output, configuration);
        warnings.AddRange(UnknownKeys(configuration).Select(key => $"{key} is not a setting of this service: ignored"));
        foreach (var warning in warnings)
        {
            error.WriteLine("warning: " + warning);
        }

        foreach (var problem in problems)
        {
            error.WriteLine("invalid setting: " + problem);
        }

        output.WriteLine();
        output.WriteLine(problems.Count == 0 ? "# every setting is valid" : $"# {problems.Count} invalid setting(s)");
        return problems.Count == 0 ? 0 : 2;
    }

    /// <summary>Every setting of the section; when it is invalid, as bound without its check (what is there to fix).</summary>
    private static void WriteSettings(TextWriter output, IConfiguration configuration, SettingsCheck.Section section, object? options)
    {
        options ??= Unchecked(configuration, section);
        if (options is null)
        {
            output.WriteLine("# (a value does not convert: see the problems)");
            return;
        }

        foreach (var (key, value) in SettingsText.Flatten(options, section.Name))
        {
            var set = configuration[key] is not null || configuration.GetSection(key).GetChildren().Any();
            output.WriteLine($"{key} = {SettingsText.Format(key, value)}{(set ? string.Empty : " (default)")}");
        }
    }

    private static object? Unchecked(IConfiguration configuration, SettingsCheck.Section section)
    {
        try
        {
            var options = Activator.CreateInstance(section.OptionsType)!;
            configuration.GetSection(section.Name).Bind(options);
            return options;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Which signing key the service would use, by id; reads an existing key file, never creates one.</summary>
    private static void WriteSigningKey(TextWriter output, AuthOptions auth, List<string> problems)
    {
        if (!string.IsNullOrEmpty(auth.SigningKey))
        {
            output.WriteLine($"# signing key {SigningKey.IdOf(Encoding.UTF8.GetBytes(auth.SigningKey))} from {AuthOptions.SectionName}:SigningKey");
        }
        else
        {
            var path = SigningKey.FilePath(auth);
            if (!File.Exists(path))
            {
                output.WriteLine($"# no signing key configured: the service would create one in {path}");
            }
            else
            {
                try
                {
                    output.WriteLine($"# no signing key configured: the service uses key {SigningKey.Read(path).Key.KeyId} from {path}");
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
                {
                    problems.Add(e is InvalidOperationException ? e.Message : $"the signing key in {path} cannot be read: {e.Message}");
                }
            }
        }

        if (auth.ValidationKeys.Count > 0)
        {
            var ids = auth.ValidationKeys.Values.Select(v => SigningKey.IdOf(Encoding.UTF8.GetBytes(v ?? string.Empty)));
            output.WriteLine($"# also accepting tokens of keys {string.Join(", ", ids)}");
        }
    }

    /// <summary>Which code keys the service would use, by id; reads existing key files, never creates one.</summary>
    private static void WriteCodeKeys(TextWriter output, CodesOptions codes, StoreKind store, List<string> problems, List<string> warnings)
    {
        foreach (var (setting, configured, fileName) in new[] { ("EncryptionKey", codes.EncryptionKey, CodeKeys.EncryptionKeyFile), ("LookupKey", codes.LookupKey, CodeKeys.LookupKeyFile) })
        {
            if (!string.IsNullOrWhiteSpace(configured))
            {
                continue;
            }

            var path = CodeKeys.FilePath(codes, fileName);
            if (!File.Exists(path))
            {
                output.WriteLine($"# no {CodesOptions.SectionName}:{setting} configured: the service would create one in {path}");
            }
            else
            {
                try
                {
                    output.WriteLine($"# no {CodesOptions.SectionName}:{setting} configured: the service uses key {CodeKeys.Read(path).Id} from {path}");
                }
                catch (InvalidOperationException e)
                {
                    problems.Add(e.Message);
                }
                catch (StorageUnavailableException e)
                {
                    warnings.Add($"{path} cannot be read ({e.InnerException?.Message}): the service would answer 503 to what needs the code keys");
                }
            }

            if (store == StoreKind.Redis)
            {
                warnings.Add($"{StoreChoice.Key} is redis but {CodesOptions.SectionName}:{setting} is not configured: every node must share the same code keys");
            }
        }
    }

    /// <summary>Where it listens, and Kestrel's own settings (certificates' passwords masked).</summary>
    private static void WriteHost(TextWriter output, IConfiguration configuration)
    {
        output.WriteLine();
        output.WriteLine("[host]");
        output.WriteLine($"urls = {configuration["urls"] ?? "http://localhost:5000 (default)"}");
        foreach (var (key, value) in configuration.GetSection("Kestrel").AsEnumerable().Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{key} = {SettingsText.Format(key, value)}");
        }
    }

    /// <summary>Keys under <c>Coupons</c> that no section has: most likely misspelt, and silently ignored by the service.</summary>
    private static IEnumerable<string> UnknownKeys(IConfiguration configuration)
    {
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var open = new List<string>();
        foreach (var section in SettingsCheck.All)
        {
            var (keys, openKeys) = SettingsText.KeysOf(Activator.CreateInstance(section.OptionsType)!, section.Name);
            known.UnionWith(keys);
            open.AddRange(openKeys);
        }

        return configuration.GetSection("Coupons").AsEnumerable()
            .Where(p => p.Value is not null && !known.Contains(p.Key) && !open.Any(o => p.Key.StartsWith(o + ":", StringComparison.OrdinalIgnoreCase)))
            .Select(p => p.Key)
            .Order(StringComparer.Ordinal);
    }
}
