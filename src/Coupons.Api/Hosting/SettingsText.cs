using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Coupons.Api.Auth;
using Coupons.Api.Codes;

namespace Coupons.Api.Hosting;

/// <summary>
/// Settings as text for <see cref="CheckConfigCommand"/>: an options object flattened to one
/// <c>Key = value</c> a setting, defaults marked, secrets masked.
/// </summary>
internal static partial class SettingsText
{
    public const string Mask = "********";

    /// <summary>An empty list or dictionary: shown as "(none)", never masked.</summary>
    private static readonly object None = new();

    /// <summary>Properties that are not settings: filled from another section (the data folder).</summary>
    private static readonly HashSet<(Type, string)> Derived = [(typeof(AuthOptions), nameof(AuthOptions.DataDir)), (typeof(CodesOptions), nameof(CodesOptions.DataDir))];

    /// <summary>Setting names whose whole value is secret (keys); any name with "password" or "secret" in it is too.</summary>
    private static readonly string[] SecretNames = ["SigningKey", "ValidationKeys", "EncryptionKey", "DecryptionKeys", "LookupKey"];

    /// <summary>One line a setting of <paramref name="options"/> under <paramref name="prefix"/>, in declaration order.</summary>
    public static IEnumerable<(string Key, object? Value)> Flatten(object options, string prefix)
    {
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0 || Derived.Contains((options.GetType(), property.Name)))
            {
                continue;
            }

            var key = prefix + ":" + property.Name;
            var value = property.GetValue(options);
            foreach (var line in FlattenValue(key, value))
            {
                yield return line;
            }
        }
    }

    /// <summary>Every key <paramref name="options"/>' type has, and the keys under which any name is a setting (lists and dictionaries).</summary>
    public static (HashSet<string> Keys, List<string> Open) KeysOf(object options, string prefix)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var open = new List<string>();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && !Derived.Contains((options.GetType(), p.Name))))
        {
            var key = prefix + ":" + property.Name;
            var value = property.GetValue(options);
            if (value is IEnumerable and not string)
            {
                open.Add(key);
            }
            else if (value is not null && !IsLeaf(value.GetType()))
            {
                var (inner, innerOpen) = KeysOf(value, key);
                keys.UnionWith(inner);
                open.AddRange(innerOpen);
            }
            else
            {
                keys.Add(key);
            }
        }

        return (keys, open);
    }

    /// <summary>A value as a setting reads, masked when its key names a secret.</summary>
    public static string Format(string key, object? value)
    {
        var text = value switch
        {
            null => "(unset)",
            _ when ReferenceEquals(value, None) => "(none)",
            bool b => b ? "true" : "false",
            TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? string.Empty,
        };
        return value is null || ReferenceEquals(value, None) ? text : MaskSecrets(key, text);
    }

    /// <summary>
    /// <paramref name="text"/> with its secrets masked: the whole value when the key names a key or
    /// a password, else any password inside a connection string (<c>Password=…;</c> for PostgreSQL,
    /// <c>password=…,</c> for Redis).
    /// </summary>
    public static string MaskSecrets(string key, string text)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (text.Length == 0)
        {
            return text;
        }

        var segments = key.Split(':');
        if (segments.Any(s => SecretNames.Contains(s, StringComparer.OrdinalIgnoreCase)
            || s.Contains("password", StringComparison.OrdinalIgnoreCase) || s.Contains("secret", StringComparison.OrdinalIgnoreCase)))
        {
            return Mask;
        }

        var redis = key.StartsWith(Coupons.Redis.RedisStoreOptions.Section + ":", StringComparison.OrdinalIgnoreCase);
        return (redis ? CommaPassword() : SemicolonPassword()).Replace(text, "${name}" + Mask);
    }

    private static IEnumerable<(string Key, object? Value)> FlattenValue(string key, object? value)
    {
        switch (value)
        {
            case null:
            case var _ when IsLeaf(value.GetType()):
                yield return (key, value);
                break;
            case IDictionary dictionary:
                if (dictionary.Count == 0)
                {
                    yield return (key, None);
                }

                foreach (DictionaryEntry entry in dictionary)
                {
                    yield return ($"{key}:{entry.Key}", entry.Value);
                }

                break;
            case IEnumerable list:
                var items = list.Cast<object?>().ToList();
                if (items.Count == 0)
                {
                    yield return (key, None);
                }

                for (var i = 0; i < items.Count; i++)
                {
                    yield return ($"{key}:{i}", items[i]);
                }

                break;
            default:
                foreach (var line in Flatten(value, key))
                {
                    yield return line;
                }

                break;
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);

    /// <summary>A password in a PostgreSQL connection string: up to the next <c>;</c>, or quoted.</summary>
    [GeneratedRegex("(?<name>\\b(?:[a-z]*password|pwd|psw)\\s*=\\s*)(\"[^\"]*\"|'[^']*'|[^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex SemicolonPassword();

    /// <summary>A password in a StackExchange.Redis configuration string (<c>password=</c>, <c>sentinelPassword=</c>): up to the next <c>,</c>.</summary>
    [GeneratedRegex("(?<name>\\b[a-z]*password\\s*=\\s*)[^,]*", RegexOptions.IgnoreCase)]
    private static partial Regex CommaPassword();
}
