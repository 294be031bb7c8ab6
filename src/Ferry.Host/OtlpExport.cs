using Ferry.Server;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ferry.Host;

/// <summary>
/// Exports the <c>Ferry</c> activity source and meter over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. The
/// exporter reads the standard <c>OTEL_*</c> variables itself (protocol, headers, intervals, service name).
/// </summary>
internal static class OtlpExport
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The providers to dispose at exit (which flushes them), or null when no endpoint is configured.</summary>
    public static IDisposable? StartIfConfigured()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable)))
            return null;
        var resource = ResourceBuilder.CreateDefault().AddService("ferry", serviceVersion: typeof(FerryServer).Assembly.GetName().Version?.ToString());
        var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(FerryTelemetry.Name)
            .AddOtlpExporter()
            .Build();
        var meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(FerryTelemetry.Name)
            .AddOtlpExporter()
            .Build();
        return new Providers(tracer, meter);
    }

    private sealed class Providers(TracerProvider tracer, MeterProvider meter) : IDisposable
    {
        public void Dispose()
        {
            tracer.Dispose();
            meter.Dispose();
        }
    }
}
