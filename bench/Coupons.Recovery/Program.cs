using Coupons.Recovery;

return await RecoveryBench.RunAsync(args).ConfigureAwait(false);
