using HdrHistogram;

namespace Coupons.Api.Dashboard;

/// <summary>
/// How long requests under <c>/v1</c> take, for the live dashboard: recorded only while a dashboard
/// watches (read within the last minute), so a node nobody watches pays one flag's read per request.
/// Kept as one histogram per second (HdrHistogram's recorder, 3 significant digits, 1 µs to 60 s),
/// the last <see cref="WindowSeconds"/> of them summed when read.
/// </summary>
internal sealed class RequestLatency(TimeProvider time)
{
    public const int WindowSeconds = 10;
    private const long HighestMicros = 60_000_000;
    private static readonly TimeSpan WatchedFor = TimeSpan.FromMinutes(1);

    private readonly Recorder _recorder = new(1, HighestMicros, 3, static (id, lowest, highest, digits) => new LongConcurrentHistogram(id, lowest, highest, digits));
    private readonly Queue<(long From, HistogramBase Histogram)> _seconds = new();
    private readonly Lock _lock = new();
    private long _watchedUntil;
    private long _intervalFrom;
    private volatile bool _watching;

    /// <summary>Whether requests are timed now.</summary>
    public bool Watching => _watching;

    public long Start() => time.GetTimestamp();

    /// <summary>Records a request that began at <paramref name="started"/> (<see cref="Start"/>); stops timing once nobody watches.</summary>
    public void Record(long started)
    {
        var now = time.GetTimestamp();
        if (now > Volatile.Read(ref _watchedUntil))
        {
            _watching = false;
            return;
        }

        var micros = (long)time.GetElapsedTime(started, now).TotalMicroseconds;
        _recorder.RecordValue(Math.Clamp(micros, 1, HighestMicros));
    }

    /// <summary>The requests of the last seconds: count, rate and p99 (null when none came); timing starts (or goes on) for a minute.</summary>
    public DashboardRequests Read()
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            Volatile.Write(ref _watchedUntil, now + (long)(WatchedFor.TotalSeconds * time.TimestampFrequency));
            if (!_watching)
            {
                // Nothing was timed since the last reading: start afresh.
                _recorder.Reset();
                _seconds.Clear();
                _intervalFrom = now;
                _watching = true;
            }
            else if (time.GetElapsedTime(_intervalFrom, now) >= TimeSpan.FromSeconds(1))
            {
                _seconds.Enqueue((_intervalFrom, _recorder.GetIntervalHistogram()));
                _intervalFrom = now;
            }

            while (_seconds.Count > 0 && time.GetElapsedTime(_seconds.Peek().From, now) > TimeSpan.FromSeconds(WindowSeconds + 1))
            {
                _seconds.Dequeue();
            }

            return Summarize(now);
        }
    }

    private DashboardRequests Summarize(long now)
    {
        if (_seconds.Count == 0)
        {
            return new DashboardRequests(WindowSeconds, 0, 0, null);
        }

        var sum = new LongHistogram(1, HighestMicros, 3);
        foreach (var (_, histogram) in _seconds)
        {
            sum.Add(histogram);
        }

        var covered = time.GetElapsedTime(_seconds.Peek().From, _intervalFrom).TotalSeconds;
        var perSecond = covered > 0 ? Math.Round(sum.TotalCount / covered, 1) : 0;
        double? p99 = sum.TotalCount > 0 ? Math.Round(sum.GetValueAtPercentile(99) / 1000.0, 2) : null;
        return new DashboardRequests(WindowSeconds, sum.TotalCount, perSecond, p99);
    }
}
