// The overlay drawn on a frame for a person: the predicted label and its
// probability, the --roi box the model saw and the frame rate. One drawing,
// shared by --display/--record (the collector, app/pipeline_collector.h) and
// the live view of --serve (app/live_server.h).
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "signdpu/app/report.h"
#include "signdpu/io/pixels.h"

namespace signdpu::app {

struct FrameOverlay {
  std::string label = "?";   // the top-1 class name
  double probability = -1;   // < 0: not drawn
  cv::Rect roi;              // empty: not drawn
  double fps = 0;            // <= 0: not drawn
};

// The overlay of one classified frame: its top-1 label and probability, the
// ROI rectangle of `roi` inside `image` (none when it does not fit), `fps`.
FrameOverlay OverlayFor(const FrameResult& result, const std::vector<std::string>& labels, const cv::Mat& image,
                        const io::Roi& roi, double fps);

// A BGR copy of `image` (gray or BGR) with the overlay drawn; images smaller
// than 240 rows (28x28 CSV frames) are first enlarged (nearest neighbour) so
// that the text is readable.
cv::Mat AnnotateFrame(const cv::Mat& image, const FrameOverlay& overlay);

}  // namespace signdpu::app
