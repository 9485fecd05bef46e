using Coupons.Api.Hosting;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Embedded;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Codes;

public static partial class CodesSetup
{
    /// <summary>
    /// The code keys (<see cref="CodeKeys"/>) and the <see cref="CodeProtector"/> built on them, both
    /// singletons: what the stores and the code routes take to encrypt codes and compute their lookup
    /// hashes. Configured keys are checked with the other settings at start (<see cref="CodesOptions"/>),
    /// so a bad one stops the start; keys kept in the data folder are read (or created) when first
    /// asked for, which <see cref="LogCodeKeys"/> does at start. Until then a data folder that cannot
    /// be used leaves the service alive and not ready, as the embedded store does, instead of stopping it.
    /// </summary>
    public static IServiceCollection AddCodeProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CodesOptions>()
            .Bind(configuration.GetSection(CodesOptions.SectionName))
            .PostConfigure(options => options.DataDir = EmbeddedStoreOptions.DataDirOf(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // A factory that throws is not cached: a later request tries the data folder again.
        services.AddSingleton(provider => CodeKeys.Resolve(provider.GetRequiredService<IOptions<CodesOptions>>().Value));
        services.AddSingleton(provider => provider.GetRequiredService<CodeKeys>().CreateProtector());
        services.AddSingleton(provider => new CouponOwnCodes(provider.GetRequiredService<CodeProtector>()));
        return services;
    }

    /// <summary>Says in the log where each code key came from, by id; warns when this start created one.</summary>
    public static void LogCodeKeys(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Logger;
        CodeKeys keys;
        try
        {
            keys = app.Services.GetRequiredService<CodeKeys>();
        }
        catch (StorageUnavailableException e)
        {
            LogKeysUnavailable(logger, e.InnerException?.Message ?? e.Message);
            return;
        }

        foreach (var (key, setting) in new[] { (keys.Encryption, "EncryptionKey"), (keys.Lookup, "LookupKey") })
        {
            if (key.Created)
            {
                LogKeyCreated(logger, CodesOptions.SectionName, setting, key.Id, key.Source);
            }
            else
            {
                LogKeySource(logger, setting, key.Id, key.Source);
            }
        }

        if (keys.Decryption.Count > 0)
        {
            LogDecryptionKeys(logger, string.Join(", ", keys.Decryption.Select(k => k.Id)));
        }

        if ((keys.Encryption.Created || keys.Lookup.Created) && StoreChoice.Of(app.Configuration) == StoreKind.Redis)
        {
            LogCreatedOnSharedStore(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No {Section}:{Setting} configured: created code key {KeyId} in {Path}. Keep this file with the data: codes stored with it cannot be read or found without it")]
    private static partial void LogKeyCreated(ILogger logger, string section, string setting, string keyId, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "The code keys could not be read or created in the data folder ({Reason}): every operation on codes answers 503 until they can")]
    private static partial void LogKeysUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Code key {Setting} {KeyId} from {Source}")]
    private static partial void LogKeySource(ILogger logger, string setting, string keyId, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Also decrypting codes with keys {KeyIds} (Coupons:Codes:DecryptionKeys)")]
    private static partial void LogDecryptionKeys(ILogger logger, string keyIds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Coupons:Store is redis but a code key was created in this node's data folder: every node must share the same code keys, so configure Coupons:Codes:EncryptionKey and Coupons:Codes:LookupKey on all of them")]
    private static partial void LogCreatedOnSharedStore(ILogger logger);
}
