using System.Text.RegularExpressions;
using Coupons.Api.Auth;
using Coupons.Api.Codes;
using Coupons.Api.OpenApi;
using Coupons.Api.Protection;
using Coupons.Embedded;
using Coupons.Postgres;
using Coupons.Redis;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Hosting;

/// <summary>
/// Every settings section the service reads, with its options class, and their one check: each
/// section's options read from the services as <see cref="ServiceSetup.AddCouponsService"/>
/// registered them, bound and validated by the validators registered with them (the ones
/// ValidateOnStart runs too). The start (<see cref="ServiceSetup.MapCouponsService"/>) and the
/// <c>check-config</c> command (<see cref="CheckConfigCommand"/>) both go through <see cref="Problems"/>.
/// </summary>
public static partial class SettingsCheck
{
    /// <summary>Every section, for either store (<see cref="Section.Store"/> says which, null for both).</summary>
    public static readonly IReadOnlyList<Section> All =
    [
        Of<StoreOptions>(StoreOptions.Section),
        Of<EmbeddedStoreOptions>(EmbeddedStoreOptions.SectionName, StoreKind.Embedded),
        Of<RedisStoreOptions>(RedisStoreOptions.Section, StoreKind.Redis),
        Of<PostgresOptions>(PostgresOptions.Section, StoreKind.Redis),
        Of<PersisterSettings>(PersisterSettings.Section, StoreKind.Redis),
        Of<WarmUpOptions>(WarmUpOptions.Section, StoreKind.Redis),
        Of<AuthOptions>(AuthOptions.SectionName),
        Of<CodesOptions>(CodesOptions.SectionName),
        Of<ProtectionOptions>(ProtectionOptions.Section),
        Of<MetricsOptions>(MetricsOptions.Section),
        Of<AdmissionOptions>(AdmissionOptions.Section),
        Of<TlsOptions>(TlsOptions.SectionName),
        Of<OpenApiSettings>(OpenApiSettings.SectionName),
    ];

    /// <summary>The sections the service reads under <paramref name="configuration"/>: those of its store and the common ones.</summary>
    public static IReadOnlyList<Section> Sections(IConfiguration configuration)
    {
        var store = StoreChoice.ForRegistration(configuration);
        return [.. All.Where(s => s.Store is null || s.Store == store)];
    }

    /// <summary>Every setting's problem, one line each naming its key; empty when every one is valid.</summary>
    public static IReadOnlyList<string> Problems(IServiceProvider services, IConfiguration configuration) =>
        [.. Sections(configuration).SelectMany(section => section.Check(services).Problems)];

    /// <summary>The start's check, before anything is created or connected: every problem in one exception.</summary>
    public static void ThrowIfInvalid(IServiceProvider services, IConfiguration configuration)
    {
        var problems = Problems(services, configuration);
        if (problems.Count > 0)
        {
            throw new InvalidSettingsException(problems);
        }
    }

    /// <summary>A failure as the DataAnnotations validation words it, without its wrapper: the message alone.</summary>
    public static string Plain(string failure) =>
        DataAnnotationFailure().Match(failure ?? string.Empty) is { Success: true } match ? match.Groups["message"].Value : failure ?? string.Empty;

    private static Section Of<T>(string name, StoreKind? store = null)
        where T : class => new(name, typeof(T), store, services => services.GetRequiredService<IOptions<T>>().Value);

    [GeneratedRegex("^DataAnnotation validation failed for '[^']*' members: '[^']*' with the error: '(?<message>.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    /// <summary>A section: its configuration path, its options class, which store reads it, and how its options are read from the services.</summary>
    public sealed record Section(string Name, Type OptionsType, StoreKind? Store, Func<IServiceProvider, object> Read)
    {
        /// <summary>The section's options, bound and validated, or its problems (a value that does not convert is named by the binder, by key only).</summary>
        public (object? Options, IReadOnlyList<string> Problems) Check(IServiceProvider services)
        {
            try
            {
                return (Read(services), []);
            }
            catch (OptionsValidationException e)
            {
                return (null, [.. e.Failures.Select(Plain)]);
            }
            catch (InvalidOperationException e)
            {
                return (null, [e.Message]);
            }
        }
    }
}

/// <summary>Settings that stop the start: every problem, each naming its key.</summary>
public sealed class InvalidSettingsException(IReadOnlyList<string> problems)
    : InvalidOperationException("invalid settings: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
