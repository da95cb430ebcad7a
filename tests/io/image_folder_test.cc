// The image-folder rules (io/image_folder.h) without OpenCV: which files are
// images, class-folder names, the walk (order, hidden entries, symlink loops,
// images beside class folders, unknown folder names, empty folders).
#include "signdpu/io/image_folder.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace signdpu::io {
namespace {

namespace fs = std::filesystem;

class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("signdpu_image_folder_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
  }
  std::vector<std::string> Names(const std::vector<ImageEntry>& e) {
    std::vector<std::string> n;
    for (const auto& x : e) n.push_back(fs::relative(x.path, dir_).string() + ":" + std::to_string(x.label));
    return n;
  }
  fs::path dir_;
};

TEST(ImageFolderNames, ExtensionsAnyCase) {
  EXPECT_TRUE(IsImageFileName("a.png"));
  EXPECT_TRUE(IsImageFileName("a.JPG"));
  EXPECT_TRUE(IsImageFileName("x.y.TiFf"));
  EXPECT_TRUE(IsImageFileName("f.webp"));
  EXPECT_FALSE(IsImageFileName("notes.txt"));
  EXPECT_FALSE(IsImageFileName("png"));
  EXPECT_FALSE(IsImageFileName(".png"));
}

TEST(ImageFolderNames, SignLettersByDefaultForTwentyFiveClasses) {
  const ClassNames c = ResolveClassNames({}, 25, "--labels");
  EXPECT_EQ(*ClassOfFolderName("A", c, "d/A"), 0);
  EXPECT_EQ(*ClassOfFolderName("I", c, "d/I"), 8);
  EXPECT_EQ(*ClassOfFolderName("K", c, "d/K"), 10);  // index = letter - 'A': J keeps its slot
  EXPECT_EQ(*ClassOfFolderName("Y", c, "d/Y"), 24);
  EXPECT_EQ(*ClassOfFolderName("3", c, "d/3"), 3);
  auto j = ClassOfFolderName("J", c, "d/J");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("d/J: folder name 'J' is not a class"), std::string::npos) << j.status().message();
  EXPECT_NE(j.status().message().find("A-Y without J"), std::string::npos) << j.status().message();
  EXPECT_FALSE(ClassOfFolderName("Z", c, "d/Z").ok());
  EXPECT_FALSE(ClassOfFolderName("25", c, "d/25").ok());
  EXPECT_FALSE(ClassOfFolderName("a", c, "d/a").ok());  // names are matched exactly
}

TEST(ImageFolderNames, LabelsFileNamesOrNumbers) {
  const ClassNames c = ResolveClassNames({"T-shirt/top", "Trouser", "7"}, 3, "--labels f.txt");
  EXPECT_EQ(*ClassOfFolderName("Trouser", c, "w"), 1);
  EXPECT_EQ(*ClassOfFolderName("0", c, "w"), 0);  // a name with '/' can only be its number
  EXPECT_EQ(*ClassOfFolderName("7", c, "w"), 2);  // a name wins over a number
  auto bad = ClassOfFolderName("trousers", c, "DIR/trousers");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "DIR/trousers: folder name 'trousers' is not a class (expected a class name from --labels f.txt or a class "
            "number 0..2)");
  EXPECT_EQ(FolderNameOfClass(0, c), "0");
  EXPECT_EQ(FolderNameOfClass(1, c), "Trouser");
  EXPECT_EQ(FolderNameOfClass(2, c), "2");  // an all-digit name would be read as a number
  const ClassNames none = ResolveClassNames({}, 10, "labels");
  EXPECT_EQ(FolderNameOfClass(4, none), "4");
}

TEST_F(ImageFolderTest, AnyTreeIsRecursiveSortedAndSkipsHiddenAndOtherFiles) {
  Touch(dir_ / "b.png");
  Touch(dir_ / "a.JPG");
  Touch(dir_ / "readme.txt");
  Touch(dir_ / ".hidden.png");
  Touch(dir_ / ".thumbs" / "t.png");
  Touch(dir_ / "sub" / "deeper" / "c.bmp");
  fs::create_directories(dir_ / "empty");
  ImageFolderOptions o;
  o.flag = "--calib";
  o.layout = FolderLayout::kAnyTree;
  auto got = ListImageFolder(dir_.string(), o);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(Names(*got), (std::vector<std::string>{"a.JPG:-1", "b.png:-1", "sub/deeper/c.bmp:-1"}));
}

TEST_F(ImageFolderTest, SymlinkLoopIsSkippedWithOneWarning) {
  Touch(dir_ / "a" / "x.png");
  fs::create_directory_symlink("..", dir_ / "a" / "loop");
  ImageFolderOptions o;
  o.layout = FolderLayout::kAnyTree;
  std::vector<std::string> warnings;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto got = ListImageFolder(dir_.string(), o);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->size(), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("a/loop: skipped, a symlink back to a folder already read (loop)"), std::string::npos)
      << warnings[0];
}

TEST_F(ImageFolderTest, ClassFoldersGiveLabels) {
  Touch(dir_ / "Trouser" / "1.png");
  Touch(dir_ / "0" / "x" / "2.png");
  Touch(dir_ / "0" / "3.pgm");
  ImageFolderOptions o;
  o.flag = "--eval";
  o.layout = FolderLayout::kClassFolders;
  o.classes = ResolveClassNames({"T-shirt/top", "Trouser"}, 2, "--labels l.txt");
  auto got = ListImageFolder(dir_.string(), o);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(Names(*got), (std::vector<std::string>{"0/3.pgm:0", "0/x/2.png:0", "Trouser/1.png:1"}));
  // run --images (kAuto): the same folder is read as class folders.
  o.layout = FolderLayout::kAuto;
  EXPECT_EQ(Names(*ListImageFolder(dir_.string(), o)), Names(*got));
}

TEST_F(ImageFolderTest, UnknownFolderImageBesideClassesAndEmptyAreErrors) {
  ImageFolderOptions o;
  o.flag = "--eval";
  o.layout = FolderLayout::kClassFolders;
  o.classes = ResolveClassNames({"a", "b"}, 2, "--labels l.txt");
  auto empty = ListImageFolder(dir_.string(), o);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find(": no image files"), std::string::npos) << empty.status().message();
  Touch(dir_ / "a" / "1.png");
  Touch(dir_ / "zebra" / "2.png");
  auto unknown = ListImageFolder(dir_.string(), o);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("zebra: folder name 'zebra' is not a class"), std::string::npos)
      << unknown.status().message();
  fs::remove_all(dir_ / "zebra");
  Touch(dir_ / "loose.png");
  auto beside = ListImageFolder(dir_.string(), o);
  ASSERT_FALSE(beside.ok());
  EXPECT_NE(beside.status().message().find("loose.png: an image beside the class folders"), std::string::npos)
      << beside.status().message();
  // An --eval that is not a folder at all.
  auto file = ListImageFolder((dir_ / "loose.png").string(), o);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("not a folder"), std::string::npos);
}

TEST_F(ImageFolderTest, NonUtf8NamesAreKeptAsBytes) {
  const std::string name = std::string("bad\xff") + ".png";
  Touch(dir_ / name);
  ImageFolderOptions o;
  o.layout = FolderLayout::kAuto;
  auto got = ListImageFolder(dir_.string(), o);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(fs::path((*got)[0].path).filename().string(), name);
}

}  // namespace
}  // namespace signdpu::io
