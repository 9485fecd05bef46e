using Coupons.Core;
using Coupons.Embedded;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Api.Tests;

/// <summary>The embedded store's own registration (<see cref="EmbeddedStoreSetup.AddEmbeddedStore"/>), without a host.</summary>
public sealed class EmbeddedStoreSetupTests
{
    [Theory]
    [InlineData("MaxPendingChanges", "0", "Coupons:Embedded:MaxPendingChanges must be at least 1")]
    [InlineData("SweepInterval", "00:00:00", "Coupons:Embedded:SweepInterval must be from 00:00:00.001 to 24.00:00:00")]
    [InlineData("SweepInterval", "30.00:00:00", "Coupons:Embedded:SweepInterval must be from 00:00:00.001 to 24.00:00:00")]
    [InlineData("MaxPageCount", "0", "Coupons:Embedded:MaxPageCount must be at least 1 when set")]
    [InlineData("DataDir", "", "Coupons:Embedded:DataDir must name a folder")]
    public void A_setting_out_of_range_fails_the_start_naming_its_key(string key, string value, string message)
    {
        using var provider = Build(("Coupons:Embedded:" + key, value));
        var failure = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_bound_from_the_section_and_the_rest_keep_their_defaults()
    {
        using var provider = Build(("Coupons:Embedded:DataDir", "elsewhere"), ("Coupons:Embedded:SweepInterval", "00:00:05"));
        provider.GetRequiredService<IStartupValidator>().Validate();
        var options = provider.GetRequiredService<IOptions<EmbeddedStoreOptions>>().Value;
        var defaults = new EmbeddedStoreOptions();
        Assert.Equal(("elsewhere", TimeSpan.FromSeconds(5)), (options.DataDir, options.SweepInterval));
        Assert.Equal((defaults.MaxPendingChanges, defaults.MaxPageCount), (options.MaxPendingChanges, options.MaxPageCount));
    }

    [Fact]
    public void The_store_is_the_coupon_store_its_audit_log_the_audit_log_and_an_opener_runs_it()
    {
        var time = new FakeTimeProvider();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(time);
        services.AddEmbeddedStore(Configuration(("Coupons:Embedded:DataDir", "unused")));
        using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<EmbeddedCouponStore>();
        Assert.Same(store, provider.GetRequiredService<ICouponStore>());
        Assert.Same(store, provider.GetRequiredService<Coupons.Core.Codes.ICodeStore>());
        Assert.Same(store.AuditLog, provider.GetRequiredService<IAuditLog>());
        Assert.Contains(provider.GetServices<IHostedService>(), service => service.GetType().Name == "EmbeddedStoreOpener");
        // Nothing is opened until the host runs the opener.
        Assert.False(store.IsReady);
    }

    private static ServiceProvider Build(params (string Key, string Value)[] settings) =>
        new ServiceCollection().AddLogging().AddEmbeddedStore(Configuration(settings)).BuildServiceProvider();

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
