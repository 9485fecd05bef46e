using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>
/// Group commit: callers append changes and wait until a sequence number is durable; one writer
/// thread takes everything appended since its last commit and writes it in a single transaction
/// with a single fsync. While it writes, the next batch fills. So durability costs each request
/// the latency of one batch, not a transaction of its own.
/// </summary>
/// <remarks>
/// Sequence numbers are given under one short lock, which also keeps the records of one coupon in
/// the order their changes were made. Once a write fails the log is failed for good: every append
/// and every wait throws <see cref="StorageUnavailableException"/>, because memory now holds
/// changes the disk does not.
/// </remarks>
internal sealed class GroupCommitLog : IDisposable
{
    private readonly SqliteBatchWriter _batchWriter;
    private readonly int _maxPending;
    private readonly TimeSpan _idleFlushInterval;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly ConcurrentQueue<CampaignEntry> _dirtyCounters = new();
    private readonly List<CampaignEntry> _drainedCounters = [];
    private readonly Thread _writerThread;
    private Batch _filling = new();
    private Batch? _flushing;
    private List<LogRecord> _spareRecords = [];
    private long _appended;
    private long _durable;
    private Exception? _failure;
    private bool _stopping;

    public GroupCommitLog(SqliteBatchWriter batchWriter, int maxPending, TimeSpan idleFlushInterval)
    {
        _batchWriter = batchWriter;
        _maxPending = maxPending;
        _idleFlushInterval = idleFlushInterval;
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "coupons-group-commit" };
        _writerThread.Start();
        CommitMetrics.Opened(this);
    }

    public bool IsFailed => Volatile.Read(ref _failure) is not null;

    /// <summary>Changes appended and not yet durable (a commit's worth under way and those waiting for the next).</summary>
    public long Pending => Math.Max(0, Volatile.Read(ref _appended) - Volatile.Read(ref _durable));

    /// <summary>
    /// The sequence number of the last change appended: wait for it to cover everything seen so far.
    /// Read under the log's lock, so a change made together with its append (see <see cref="AppendIf"/>)
    /// that a reader saw is always covered.
    /// </summary>
    public long Appended
    {
        get
        {
            lock (_gate)
            {
                return _appended;
            }
        }
    }

    /// <summary>Appends a change; returns its sequence number. Throws when failed or when too much is waiting.</summary>
    public long Append(in LogRecord record) => AppendIf<object?>(record, null, null);

    /// <summary>
    /// Appends a change only if <paramref name="condition"/> holds, checked under the log's lock so
    /// that what it changes in memory (a unit of stock taken, a campaign's status) and the record that
    /// stands for it become visible together: nobody can see the one without the other, and changes
    /// made this way are ordered exactly as their records. Returns 0 when the condition does not hold.
    /// Keep conditions to a few instructions: every append waits on this lock.
    /// </summary>
    public long AppendIf<TState>(in LogRecord record, Func<TState, bool>? condition, TState state)
    {
        long sequence;
        lock (_gate)
        {
            ThrowIfFailed();
            if (_stopping)
            {
                throw new StorageUnavailableException("the store is closing");
            }

            // The batch filling counts; the one being written (at most as large) is already on its way.
            if (_filling.Records.Count >= _maxPending)
            {
                throw new OverloadedException("too many changes are waiting for the disk");
            }

            if (condition is not null && !condition(state))
            {
                return 0;
            }

            _filling.Records.Add(record);
            sequence = ++_appended;
            _filling.LastSequence = sequence;
            if (_filling.Records.Count == 1)
            {
                _signal.Release();
            }
        }

        return sequence;
    }

    /// <summary>
    /// Appends several changes that stand or fall together (an order's coupons and its record): all
    /// go into the same batch, so one transaction writes them. Returns the last one's sequence number.
    /// </summary>
    public long AppendAll(IReadOnlyList<LogRecord> records)
    {
        ArgumentOutOfRangeException.ThrowIfZero(records.Count);
        lock (_gate)
        {
            ThrowIfFailed();
            if (_stopping)
            {
                throw new StorageUnavailableException("the store is closing");
            }

            if (_filling.Records.Count >= _maxPending)
            {
                throw new OverloadedException("too many changes are waiting for the disk");
            }

            var wasEmpty = _filling.Records.Count == 0;
            _filling.Records.AddRange(records);
            _appended += records.Count;
            _filling.LastSequence = _appended;
            if (wasEmpty)
            {
                _signal.Release();
            }

            return _appended;
        }
    }

    /// <summary>Asks the writer to store a campaign's refusal counters with its next batch.</summary>
    public void MarkCountersDirty(CampaignEntry campaign) => _dirtyCounters.Enqueue(campaign);

    /// <summary>
    /// Completes once every change up to <paramref name="sequence"/> is on disk. Cancelling stops
    /// only this wait: the changes are written all the same.
    /// </summary>
    public ValueTask WhenDurableAsync(long sequence, CancellationToken cancellationToken)
    {
        if (Interlocked.Read(ref _durable) >= sequence)
        {
            return ValueTask.CompletedTask;
        }

        Task task;
        lock (_gate)
        {
            ThrowIfFailed();
            if (_durable >= sequence)
            {
                return ValueTask.CompletedTask;
            }

            Debug.Assert(sequence <= _appended);
            task = _flushing is { } flushing && sequence <= flushing.LastSequence ? flushing.Done.Task : _filling.Done.Task;
        }

        // A token that can be cancelled costs a registration (and an allocation) per wait; one that
        // cannot (the default) costs nothing.
        return new ValueTask(cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task);
    }

    /// <summary>Completes once everything appended so far is on disk: what a reader waits for before answering.</summary>
    public ValueTask WhenSeenIsDurableAsync(CancellationToken cancellationToken) => WhenDurableAsync(Appended, cancellationToken);

    /// <summary>
    /// Refuses new changes, writes those already appended, and stops the writer. The semaphore is
    /// left to the garbage collector: it holds no handle, and a late appender may still release it.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            Volatile.Write(ref _stopping, true);
        }

        _signal.Release();
        _writerThread.Join();
        CommitMetrics.Closed(this);
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new StorageUnavailableException("the store stopped taking writes after a failed disk write", failure);
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            if (!Volatile.Read(ref _stopping))
            {
                _signal.Wait(_idleFlushInterval);
            }

            Batch batch;
            lock (_gate)
            {
                if (_failure is not null)
                {
                    return;
                }

                if (_filling.Records.Count == 0 && _dirtyCounters.IsEmpty)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    continue;
                }

                batch = _filling;
                _flushing = batch;
                _filling = new Batch(_spareRecords);
            }

            Flush(batch);
        }
    }

    private void Flush(Batch batch)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var span = CommitMetrics.StartSpan(batch.Records.Count);
        try
        {
            _batchWriter.WriteBatch(batch.Records, DrainDirtyCounters());
            CommitMetrics.Committed(batch.Records.Count, startedAt);
        }
        catch (Exception exception)
        {
            Tracing.Failed(span, exception);
            lock (_gate)
            {
                _failure = exception;
                _flushing = null;
            }

            var unavailable = new StorageUnavailableException("a disk write failed; the store stopped taking writes", exception);
            batch.Done.TrySetException(unavailable);
            _filling.Done.TrySetException(unavailable);
            return;
        }

        lock (_gate)
        {
            if (batch.LastSequence > _durable)
            {
                Interlocked.Exchange(ref _durable, batch.LastSequence);
            }

            _flushing = null;
        }

        batch.Done.TrySetResult();
        batch.Records.Clear();
        _spareRecords = batch.Records;
    }

    private List<CampaignEntry> DrainDirtyCounters()
    {
        var dirty = _drainedCounters;
        dirty.Clear();
        while (_dirtyCounters.TryDequeue(out var campaign))
        {
            campaign.ClearRejectedDirty();
            dirty.Add(campaign);
        }

        return dirty;
    }

    private sealed class Batch(List<LogRecord>? records = null)
    {
        public List<LogRecord> Records { get; } = records ?? [];
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long LastSequence { get; set; }
    }
}
