package io.harbinger.stream.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Three PNG charts drawn with java.awt in headless mode: throughput, latency, checkpoint durations. */
final class Charts {
    private static final int W = 900;
    private static final int H = 420;
    private static final int L = 80;
    private static final int R = 30;
    private static final int T = 40;
    private static final int B = 50;

    private Charts() {}

    @SuppressWarnings("unchecked")
    static void write(Map<String, Object> r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<double[]> job = (List<double[]>) r.get("throughput_series");
        List<double[]> ceiling = (List<double[]>) r.get("ceiling_series");
        if (job != null) {
            List<List<double[]>> series = new ArrayList<>();
            series.add(job);
            if (ceiling != null) series.add(ceiling);
            lines(dir.resolve("throughput.png"), "Events/s over time: job (blue) vs read+decode ceiling (orange)",
                    "seconds since start", "events/s", series);
        }
        List<Map<String, Object>> cps = (List<Map<String, Object>>) r.get("checkpoints");
        if (cps != null) {
            List<double[]> d = new ArrayList<>();
            for (Map<String, Object> c : cps) {
                d.add(new double[] {((Number) c.get("id")).doubleValue(), ((Number) c.get("duration_ms")).doubleValue()});
            }
            bars(dir.resolve("checkpoints.png"), "Checkpoint duration (ms) by checkpoint id, interval "
                    + r.get("checkpoint_interval_ms") + " ms", "checkpoint id", "ms", d);
        }
        List<long[]> lat = (List<long[]>) r.get("latency_percentiles_x10_pipeline_append");
        if (lat != null) {
            List<double[]> pipeline = new ArrayList<>();
            List<double[]> append = new ArrayList<>();
            for (long[] p : lat) {
                pipeline.add(new double[] {p[0] / 10.0, p[1]});
                append.add(new double[] {p[0] / 10.0, p[2]});
            }
            lines(dir.resolve("latency.png"), "Visible latency by percentile: after the window can fire (blue),"
                    + " from append (orange)", "percentile", "ms", List.of(pipeline, append));
        }
    }

    private static Graphics2D canvas(BufferedImage img, String title) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, L, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawLine(L, H - B, W - R, H - B);
        g.drawLine(L, T, L, H - B);
        return g;
    }

    private static void axes(Graphics2D g, String x, String y, double maxX, double maxY, double minX) {
        for (int i = 0; i <= 4; i++) {
            int py = H - B - i * (H - B - T) / 4;
            g.setColor(new Color(230, 230, 230));
            g.drawLine(L + 1, py, W - R, py);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%,.0f", maxY * i / 4), 5, py + 4);
            int px = L + i * (W - L - R) / 4;
            g.drawString(String.format("%,.1f", minX + (maxX - minX) * i / 4), px - 10, H - B + 15);
        }
        g.drawString(x, W / 2 - 40, H - 10);
        g.drawString(y, 5, T - 8);
    }

    private static void lines(Path file, String title, String x, String y, List<List<double[]>> series)
            throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, title);
        double maxX = 1e-9;
        double maxY = 1e-9;
        double minX = Double.MAX_VALUE;
        for (List<double[]> s : series) {
            for (double[] p : s) {
                maxX = Math.max(maxX, p[0]);
                maxY = Math.max(maxY, p[1]);
                minX = Math.min(minX, p[0]);
            }
        }
        if (minX == Double.MAX_VALUE || minX >= maxX) minX = 0;
        axes(g, x, y, maxX, maxY * 1.1, minX);
        Color[] colors = {new Color(31, 119, 180), new Color(255, 127, 14)};
        g.setStroke(new BasicStroke(2f));
        for (int i = 0; i < series.size(); i++) {
            g.setColor(colors[i % colors.length]);
            double[] prev = null;
            for (double[] p : series.get(i)) {
                if (prev != null) {
                    g.drawLine(px(prev[0], minX, maxX), py(prev[1], maxY * 1.1), px(p[0], minX, maxX), py(p[1], maxY * 1.1));
                }
                prev = p;
            }
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void bars(Path file, String title, String x, String y, List<double[]> points) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img, title);
        double maxX = 1;
        double maxY = 1;
        double minX = Double.MAX_VALUE;
        for (double[] p : points) {
            maxX = Math.max(maxX, p[0]);
            maxY = Math.max(maxY, p[1]);
            minX = Math.min(minX, p[0]);
        }
        if (minX == Double.MAX_VALUE || minX >= maxX) minX = 0;
        axes(g, x, y, maxX, maxY * 1.1, minX);
        int width = Math.max(2, (W - L - R) / Math.max(1, points.size()) - 2);
        g.setColor(new Color(44, 160, 44));
        for (double[] p : points) {
            int top = py(Math.max(0, p[1]), maxY * 1.1);
            g.fillRect(px(p[0], minX, maxX) - width / 2, top, width, H - B - top);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static int px(double v, double min, double max) {
        return L + (int) ((v - min) / (max - min) * (W - L - R));
    }

    private static int py(double v, double max) {
        return H - B - (int) (v / max * (H - B - T));
    }
}
