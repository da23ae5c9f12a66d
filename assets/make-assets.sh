#!/usr/bin/env bash
# Regenerates the bundled show images in assets/images/ with the ffmpeg CLI only
# (lavfi sources, geq shape/colour expressions, gblur, drawtext with the DejaVu
# fonts, overlay/alphamerge). The outputs are committed; this script documents
# how each one was made and makes them again.
#
#   assets/make-assets.sh            # every image
#   assets/make-assets.sh NAME...    # only these (file names without extension),
#                                   # e.g. assets/make-assets.sh sale_badge sticker_star
#
# Technique: shapes are drawn as inside tests in geq expressions (rounded boxes,
# ellipses, polar stars, teardrops, implicit heart) on a 2x canvas and halved
# with flags=area, which anti-aliases the edges. Sticker borders and shadows are
# the shape's alpha blurred and thresholded. Nothing is random: "bokeh" discs
# come from a fixed-seed LCG in this script.
#
# Reproducible: the same ffmpeg build gives byte-identical files (-bitexact, no
# metadata). Made with ffmpeg 5.1 (Debian 12) and fonts-dejavu 2.37; other
# versions give images that look the same but may differ in bytes.
# Needs: ffmpeg with libfreetype (drawtext), fonts-dejavu-core/-extra.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/assets/images"
FONTS=/usr/share/fonts/truetype/dejavu
BOLD=$FONTS/DejaVuSans-Bold.ttf
REG=$FONTS/DejaVuSans.ttf
MAX_FILE=$((600 * 1024))
MAX_TOTAL=$((2 * 1024 * 1024))

for f in "$BOLD" "$REG"; do
  [[ -f $f ]] || { echo "make-assets: missing font $f (install fonts-dejavu-core)" >&2; exit 1; }
done
command -v ffmpeg >/dev/null || { echo "make-assets: ffmpeg not found" >&2; exit 1; }
mkdir -p "$OUT"

# render OUTFILE FILTERGRAPH [encoder args...]: one frame of the graph's [out].
render() {
  local file=$1 graph=$2
  shift 2
  ffmpeg -nostdin -hide_banner -v error -y -filter_complex "$graph" -map '[out]' -frames:v 1 \
    "$@" -fflags +bitexact -flags +bitexact -map_metadata -1 "$file"
  printf '  %-34s %7d bytes\n' "${file#"$ROOT"/}" "$(stat -c %s "$file")"
}
render_png() { render "$1" "$2" -c:v png -pix_fmt rgba; }
render_jpg() { render "$1" "$2" -c:v mjpeg -q:v "${3:-3}"; }  # q 2-3 ~ quality 85-90

# halve W H: the 2x RGBA drawing down to W x H. Premultiplied while filtering, so
# edge pixels keep their colour instead of darkening towards the transparent black.
halve() { echo "format=gbrap,premultiply=inplace=1,scale=$1:$2:flags=area,unpremultiply=inplace=1,format=rgba"; }

# rbox CX CY HALFW HALFH R: 1 inside a rounded box (signed-distance test on X, Y).
rbox() {
  echo "lt(hypot(max(abs(X-$1)-$3+$5,0),max(abs(Y-$2)-$4+$5,0))+min(max(abs(X-$1)-$3+$5,abs(Y-$2)-$4+$5),0)-$5,0)"
}

# ---------------------------------------------------------------------------
# studio_backdrop(.jpg, _vertical.jpg): plum-to-navy studio gradient with a
# soft pink key light, a teal fill light in a lower corner, a warm rim light
# top-left, a lighter floor, two layers of bokeh discs (sharp-ish near layer,
# big soft far layer), vignette and light grain against banding.
backdrop() {
  local W=$1 H=$2 file=$3
  local BW=$((W / 4)) BH=$((H / 4))
  local light="st(0,X/W);st(1,Y/H);st(2,W/H);st(3,0.58*exp(-(pow((ld(0)-0.5)*ld(2),2)+pow(ld(1)-0.30,2))/0.11));st(4,0.38*exp(-(pow((ld(0)-0.9)*ld(2),2)+pow(ld(1)-0.9,2))/0.08));st(5,0.25*exp(-(pow((ld(0)-0.08)*ld(2),2)+pow(ld(1)-0.05,2))/0.05));st(6,0.12*clip((ld(1)-0.72)/0.28,0,1))"
  local base="geq=r='${light};clip(46-30*ld(1)+195*ld(3)+20*ld(4)+200*ld(5)+60*ld(6),0,255)':g='${light};clip(16-8*ld(1)+78*ld(3)+110*ld(4)+120*ld(5)+30*ld(6),0,255)':b='${light};clip(68-36*ld(1)+170*ld(3)+150*ld(4)+110*ld(5)+80*ld(6),0,255)'"
  local M=$((BW < BH ? BW : BH))
  seed=20240611
  disc_layer 26 $((M / 40)) $((M / 9)) "$BW" "$BH" 18 32
  local near=$E
  disc_layer 8 $((M / 10)) $((M / 5)) "$BW" "$BH" 10 16
  local far=$E
  render_jpg "$file" "color=c=black:s=${BW}x${BH},format=rgb24,${base},scale=${W}x${H}:flags=bicubic,format=gbrp[base];
color=c=black:s=${BW}x${BH},format=rgb24,${near},gblur=sigma=0.5,scale=${W}x${H}:flags=bicubic,format=gbrp[near];
color=c=black:s=${BW}x${BH},format=rgb24,${far},gblur=sigma=3,scale=${W}x${H}:flags=bicubic,format=gbrp[far];
[base][far]blend=all_mode=screen[b1];[b1][near]blend=all_mode=screen,vignette=angle=0.6,noise=alls=2:allf=u,format=yuvj420p[out]" 2
}
# Fixed-seed LCG: rnd sets R to 0..9999.
rnd() { seed=$(((seed * 1103515245 + 12345) % 2147483648)); R=$(((seed >> 8) % 10000)); }
BOKEH_COLOURS=("255 120 190" "255 196 130" "214 140 255" "130 220 255" "255 160 200" "255 220 235")
# disc_layer COUNT MINR MAXR W H ALPHA_MIN ALPHA_SPREAD (alpha in hundredths): sets E to a
# geq summing COUNT discs (brighter rim, soft edge), biased towards the top of the frame.
disc_layer() {
  local n=$1 rmin=$2 rmax=$3 lw=$4 lh=$5 amin=$6 aspr=$7 er="" eg="" eb="" i x y r a u t cr cg cb
  for ((i = 0; i < n; i++)); do
    rnd; x=$((R * lw / 10000))
    rnd; u=$R; rnd; y=$((u * R / 10000 * lh / 10000 * 9 / 10 + lh / 20))
    rnd; u=$R; rnd; r=$((rmin + u * R / 10000 * (rmax - rmin) / 10000))
    rnd; a=$((amin + R * aspr / 10000))
    rnd; read -r cr cg cb <<< "${BOKEH_COLOURS[$((R % ${#BOKEH_COLOURS[@]}))]}"
    t="clip(($r-hypot(X-$x,Y-$y))*1.6,0,1)*(0.55+0.45*hypot(X-$x,Y-$y)/$r)*0.$a"
    er+="+$t*$cr"; eg+="+$t*$cg"; eb+="+$t*$cb"
  done
  E="geq=r='clip(0$er,0,255)':g='clip(0$eg,0,255)':b='clip(0$eb,0,255)'"
}
make_studio_backdrop() { backdrop 1920 1080 "$OUT/studio_backdrop.jpg"; }
make_studio_backdrop_vertical() { backdrop 1080 1920 "$OUT/studio_backdrop_vertical.jpg"; }

# ---------------------------------------------------------------------------
# product_sneaker.png (900x600 RGBA): side view of an off-white sneaker, toe to
# the right, with pink heel counter, toe cap, tongue and tapered side stripe, a
# dark eyestay with white laces, dark collar lining, cream midsole with a pink
# stripe, grey outsole, toe spring; top-lit gradient, edge darkening from the
# blurred alpha, soft contact shadow. Drawn on 1800x1200 in 900x600 units.
make_product_sneaker() {
  # registers: 0 x, 1 y (bent for toe spring), 2 upper, 3 lining, 4 sole,
  # 5 pink panels, 6 laces, 7 tongue then eyestay, 8/9 scratch
  local P="st(0,X/2);st(1,Y/2+0.0011*pow(max(0,X/2-690),2)+0.0006*pow(max(0,140-X/2),2));"
  # quarter: rounded box x 92..470, y 178..445, r 60; the collar dips (sin curve)
  # and a crescent of lining shows below the dip
  P+="st(8,abs(ld(0)-281)-129);st(9,abs(ld(1)-311.5)-73.5);st(2,lt(hypot(max(ld(8),0),max(ld(9),0))+min(max(ld(8),ld(9)),0)-60,0));"
  P+="st(8,sin(PI*clip((ld(0)-140)/330,0,1)));st(2,ld(2)*gt(ld(1),178+52*ld(8)));st(3,ld(2)*lt(ld(1),186+64*ld(8))*gt(ld(8),0.05));"
  # vamp below the lacing line (400,205)-(720,335); toe: upper half of an ellipse
  P+="st(2,max(ld(2),between(ld(0),412,720)*gt(ld(1),205+0.406*(ld(0)-400))*lt(ld(1),446)));"
  P+="st(2,max(ld(2),lt(hypot((ld(0)-715)/130,(ld(1)-446)/112),1)*lt(ld(1),446)));"
  # tongue: capsule (468,238)-(428,168), radius 24
  P+="st(8,clip(((ld(0)-468)*-40+(ld(1)-238)*-70)/6500,0,1));st(7,lt(hypot(ld(0)-468+40*ld(8),ld(1)-238+70*ld(8)),24)*not(ld(2)));st(2,max(ld(2),ld(7)));"
  # sole: rounded box centre (462,470), half 385x27, r 26
  P+="st(8,abs(ld(0)-462)-359);st(9,abs(ld(1)-470)-1);st(4,lt(hypot(max(ld(8),0),max(ld(9),0))+min(max(ld(8),ld(9)),0)-26,0));"
  # pink: tongue, heel counter, toe cap, tapered side stripe
  P+="st(5,ld(7)+ld(2)*max(max(lt(hypot((ld(0)-80)/170,(ld(1)-440)/175),1),lt(hypot((ld(0)-860)/175,(ld(1)-458)/120),1)),between(ld(0),170,640)*lt(abs(ld(1)-(420-0.00062*pow(ld(0)-170,2))),3+20*(ld(0)-170)/470)));"
  # lacing coordinates: 8 along the line, 9 across it (positive into the shoe)
  P+="st(8,(ld(0)-400)*0.927+(ld(1)-205)*0.375);st(9,-(ld(0)-400)*0.375+(ld(1)-205)*0.927);"
  P+="st(7,ld(2)*between(ld(8),10,300)*between(ld(9),2,34));"
  P+="st(6,ld(2)*between(ld(8),30,262)*lt(mod(ld(8)-30+0.45*ld(9),46),15)*between(ld(9),-8,30));"
  col() { # one channel of: upper panel eyestay lace lining midsole outsole stripe
    local shade="(0.80+0.20*clip((440-ld(1))/230,0,1))"
    echo "${P}clip(if(ld(4),if(between(ld(1),460,465),$8,if(lt(ld(1),474),$6*(1-0.1*(ld(1)-445)/30),$7)),if(ld(6),$4*(0.9+0.1*lt(mod(ld(8)-30,46),9)),if(ld(3),$5,if(ld(7),$3,if(ld(5),$2,$1)*$shade)))),0,255)"
  }
  local A="${P}clip(255*max(max(ld(2),ld(4)),ld(3))+not(max(ld(2),ld(4)))*110*pow(clip(1-hypot((ld(0)-470)/400,(ld(1)-505)/24),0,1),1.2),0,255)"
  local shade="A*(0.6+0.4*B/255)"
  render_png "$OUT/product_sneaker.png" "color=c=black@0:s=1800x1200,format=rgba,geq=r='$(col 240 232 58 252 44 246 68 232)':g='$(col 238 51 58 252 38 244 68 51)':b='$(col 242 109 70 252 52 238 78 109)':a='$A',format=gbrap,split[s1][s2];
[s2]alphaextract,gblur=sigma=10,format=gbrap[ao];
[s1][ao]blend=c0_expr='$shade':c1_expr='$shade':c2_expr='$shade':c3_expr=A,$(halve 900 600)[out]"
}

# ---------------------------------------------------------------------------
# product_card.png (600x800, opaque): product shot of a rose "GLOW SERUM"
# dropper bottle (dark rubber bulb, ribbed gold collar, translucent glass,
# liquid line, cream label, glass highlights) on a white cylinder podium in
# front of a pink arch, blush paper sweep, soft contact shadows, light vignette.
make_product_card() {
  local BG="st(0,clip((Y-1030)/70,0,1));st(1,lt(hypot(X-600,Y-780),420)*lt(Y,1066));st(2,exp(-(pow((X-560)/700,2)+pow((Y-500)/700,2))));"
  bg() { echo "${BG}clip(if(ld(1),$3,$1)*(1-ld(0))+$2*ld(0)*(1-0.06*(Y-1010)/590)+$4*ld(2)-16*(1-ld(2)),0,255)"; }
  local PD="st(0,lt(hypot((X-300)/290,(Y-60)/56),1));st(1,max(between(X,10,590)*between(Y,60,320),lt(hypot((X-300)/290,(Y-320)/56),1)));st(2,0.74+0.26*cos((X-330)/290*PI/2));"
  pod() { echo "${PD}clip(if(ld(0),$1,$2*ld(2)),0,255)"; }
  local BT="st(0,clip((Y-62)/110,0,1));st(1,lt(hypot(X-180,Y-62-110*ld(0)),54));st(2,$(rbox 180 222 80 52 10));st(3,between(X,126,234)*between(Y,270,306));st(4,$(rbox 180 520 170 220 56));st(5,gt(Y,400));"
  BT+="st(6,exp(-pow((X-48)/16,2))*0.75+exp(-pow((X-318)/7,2))*0.5);st(7,0.86+0.14*sin(X/4.2));"
  bot() { # one channel of: bulb collar empty-glass liquid
    echo "${BT}clip(if(ld(2),$2*ld(7),if(ld(1),$1*(0.8+0.6*exp(-(pow((X-160)/18,2)+pow((Y-100)/30,2)))),if(ld(3)+ld(4)*not(ld(5)),$3,if(ld(4),$4*(0.8+0.2*cos((X-180)/170*PI/2)),0))))+255*ld(6)*(ld(3)+ld(4)),0,255)"
  }
  local BA="${BT}255*clip(max(max(ld(1),ld(2)),if(ld(3)+ld(4)*not(ld(5)),0.62,0.93*ld(4)))+0.25*ld(6)*(ld(3)+ld(4)),0,1)"
  render_png "$OUT/product_card.png" "color=c=black:s=1200x1600,format=rgb24,geq=r='$(bg 247 250 240 14)':g='$(bg 229 238 196 8)':b='$(bg 225 233 198 8)',format=rgba[bg];
color=c=black@0:s=600x380,format=rgba,geq=r='$(pod 253 246)':g='$(pod 246 232)':b='$(pod 244 230)':a='${PD}255*max(ld(0),ld(1))',format=rgba[pod];
color=c=black:s=1200x1600,format=gray,geq=lum='clip(255*0.5*exp(-(pow((X-600)/330,2)+pow((Y-1372)/40,2))),0,255)',gblur=sigma=18[podsh];
color=c=black:s=1200x1600,format=gray,geq=lum='clip(255*0.55*exp(-(pow((X-640)/190,2)+pow((Y-1110)/20,2))),0,255)',gblur=sigma=8[botsh];
color=c=0x5a3238:s=1200x1600,format=rgba[shc];color=c=0x5a3238:s=1200x1600,format=rgba[shc2];
[shc][podsh]alphamerge[podshl];[shc2][botsh]alphamerge[botshl];
color=c=black@0:s=360x740,format=rgba,geq=r='$(bot 46 214 246 222)':g='$(bot 44 170 212 112)':b='$(bot 50 110 214 124)':a='$BA',format=rgba,
drawbox=x=52:y=470:w=256:h=230:color=0xfbf6ef@1:t=fill,
drawbox=x=52:y=470:w=256:h=6:color=0xc9a36a@1:t=fill,
drawtext=fontfile=$BOLD:text='GLOW':fontsize=66:fontcolor=0x3a2a2e:x=180-tw/2:y=500,
drawtext=fontfile=$REG:text='S E R U M':fontsize=30:fontcolor=0x3a2a2e:x=180-tw/2:y=580,
drawtext=fontfile=$REG:text='VITAMIN C  ·  30 ml':fontsize=20:fontcolor=0x8a6a6e:x=180-tw/2:y=650[bottle];
[bg][podshl]overlay=0:0[b1];[b1][pod]overlay=300:1040[b2];[b2][botshl]overlay=0:0[b3];[b3][bottle]overlay=420:380,
vignette=angle=0.33,scale=600:800:flags=area,format=rgba[out]"
}

# ---------------------------------------------------------------------------
# sale_badge.png (400x400 RGBA): 20-point golden starburst with alternating
# light/dark rays and a soft drop shadow, white ring, pink roundel with
# "SALE", a big "-30%" and "TODAY ONLY" (DejaVu Sans Bold).
make_sale_badge() {
  local N=20 RO=362 RI=310
  star() { # XOFF YOFF REG: edge distance (>0 inside) of the burst shifted by XOFF,YOFF
    echo "st(8,hypot(X-400-($1),Y-400-($2)));st(9,mod(atan2(Y-400-($2),X-400-($1))+8*PI,2*PI/$N));st(9,min(ld(9),2*PI/$N-ld(9)));st($3,$RO-($RO-$RI)*ld(9)/(PI/$N)-ld(8));"
  }
  local P
  P="$(star 0 0 0)st(1,ld(8));st(2,lt(mod(atan2(Y-400,X-400)+8*PI,2*PI/$N),PI/$N));$(star 0 -14 3)"
  col() { # one channel of: burst ring roundel_top roundel_bottom
    echo "${P}clip(if(gt(ld(0),0),if(lt(ld(1),276),$3+($4-$3)*(Y-124)/552,if(lt(ld(1),292),$2,($1)*(1-0.12*ld(2))*(1.08-0.16*ld(1)/$RO))),0),0,255)"
  }
  render_png "$OUT/sale_badge.png" "color=c=black@0:s=800x800,format=rgba,geq=r='$(col 255 255 246 200)':g='$(col 212 255 40 16)':b='$(col 58 255 112 86)':a='${P}clip(if(gt(ld(0),0),255,90*clip(ld(3)/26+0.5,0,1)),0,255)',
drawtext=fontfile=$BOLD:text='SALE':fontsize=66:fontcolor=white@0.92:x=(w-tw)/2:y=222,
drawtext=fontfile=$BOLD:text='-30%':expansion=none:fontsize=172:fontcolor=white:x=(w-tw)/2:y=(h-th)/2+8:shadowcolor=black@0.25:shadowx=0:shadowy=6,
drawtext=fontfile=$BOLD:text='TODAY ONLY':fontsize=44:fontcolor=0xffd23f:x=(w-tw)/2:y=512,
$(halve 400 400)[out]"
}

# ---------------------------------------------------------------------------
# brand_logo.png (800x160 RGBA): pink rounded-square app icon with a white "M"
# and marquee bulbs along its top and bottom, the wordmark "MARQUEE" in white
# and "SHOP" in pink (DejaVu Sans Bold), soft dark shadow for light backdrops.
make_brand_logo() {
  local I="st(0,abs(X-140)-64);st(1,abs(Y-160)-64);st(2,lt(hypot(max(ld(0),0),max(ld(1),0))+min(max(ld(0),ld(1)),0)-52,0));st(3,lt(hypot(mod(X-140+400,40)-20,Y-68),7)+lt(hypot(mod(X-140+400,40)-20,Y-252),7));st(3,ld(3)*between(X,60,220));"
  icon() { echo "${I}if(ld(3),255,$1+($2-$1)*(Y-44)/232)"; }
  render_png "$OUT/brand_logo.png" "color=c=white@0:s=1600x320,format=rgba,geq=r='$(icon 255 216)':g='$(icon 64 27)':b='$(icon 129 96)':a='${I}255*ld(2)',format=rgba,
drawtext=fontfile=$BOLD:text='M':fontsize=150:fontcolor=white:x=140-tw/2:y=160-th/2,
drawtext=fontfile=$BOLD:text='MARQUEE':fontsize=136:fontcolor=white:x=296:y=(h-th)/2,
drawtext=fontfile=$BOLD:text='SHOP':fontsize=136:fontcolor=0xff4f8b:x=1078:y=(h-th)/2,format=rgba,split[logo][m];
[m]alphaextract,format=gray,gblur=sigma=7,lut=y='val*0.55'[sa];
color=c=black:s=1600x320,format=rgba[black];[black][sa]alphamerge[shadow];
color=c=black@0:s=1600x320,format=rgba[canvas];[canvas][shadow]overlay=x=0:y=4:format=auto[c1];[c1][logo]overlay=format=auto,
$(halve 800 160)[out]"
}

# ---------------------------------------------------------------------------
# Stickers (256x256 RGBA): die-cut style, a white border (the shape's alpha
# blurred and thresholded) and a soft shadow below, drawn at 512x512.
# sticker FILE R G B A: fill expressions on the 512x512 canvas.
sticker() {
  render_png "$1" "color=c=black@0:s=512x512,format=rgba,geq=r='$2':g='$3':b='$4':a='$5',format=rgba,split=3[fill][m1][m2];
[m1]alphaextract,format=gray,gblur=sigma=12,lut=y='clip((val-5)*14,0,255)',split[b0][sh];[b0]format=gray[border];
[sh]gblur=sigma=10,lut=y='val*0.42'[shadow];
color=c=black:s=512x512,format=rgba[black];color=c=white:s=512x512,format=rgba[white];
[black][shadow]alphamerge[shadowl];[white][border]alphamerge[borderl];
[m2]nullsink;
color=c=black@0:s=512x512,format=rgba[canvas];
[canvas][shadowl]overlay=x=0:y=12:format=auto[c1];[c1][borderl]overlay=format=auto[c2];[c2][fill]overlay=format=auto,$(halve 256 256)[out]"
}
# Heart: (x^2+y^2-1)^3 - x^2 y^3 <= 0; pink-red gradient, glossy highlight.
make_sticker_heart() {
  local H="st(0,(X-256)/158);st(1,(285-Y)/158+0.12);st(2,pow(ld(0)*ld(0)+ld(1)*ld(1)-1,3)-ld(0)*ld(0)*pow(ld(1),3));st(3,lt(ld(2),0));st(4,exp(-(pow((X-190)/42,2)+pow((Y-175)/28,2))));"
  sticker "$OUT/sticker_heart.png" "${H}clip(255*(1-0.2*Y/512)+255*0.8*ld(4),0,255)" "${H}clip(70-40*Y/512+200*0.8*ld(4),0,255)" "${H}clip(120-40*Y/512+210*0.8*ld(4),0,255)" "${H}255*ld(3)"
}
# Fire: three teardrop flames (red-orange), an amber inner flame, a pale core.
make_sticker_fire() {
  tear() { # CX CY R TX TY: round bottom (circle at CX,CY), narrowing to a tip at TX,TY
    echo "if(gte(Y,$2),lt(hypot(X-$1,Y-$2),$3),between(Y,$5,$2)*lt(abs(X-($1+($4-$1)*pow(1-(Y-$5)/($2-$5),2))),$3*pow(sin((Y-$5)/($2-$5)*PI/2),1.4)))"
  }
  local F="st(0,max(max($(tear 256 330 138 282 52),$(tear 180 372 78 118 178)),$(tear 336 378 66 392 214)));st(1,$(tear 256 372 92 238 178));st(2,$(tear 256 405 50 262 282));"
  fire() { echo "${F}if(ld(2),$5,if(ld(1),$3+($4-$3)*(Y-178)/300,$1+($2-$1)*(Y-52)/420))"; }
  sticker "$OUT/sticker_fire.png" "$(fire 255 255 255 255 255)" "$(fire 52 110 160 205 245)" "$(fire 30 20 0 40 170)" "${F}255*ld(0)"
}
# Star: five points, one up; each ray has a light and a dark facet; highlight.
make_sticker_star() {
  local RO=228 RI=100
  # fold the angle into [0, PI/5] and test against the edge from the outer
  # point (RO, 0) to the inner corner (RI, PI/5)
  local S="st(0,hypot(X-256,Y-276));st(1,mod(atan2(X-256,276-Y)+10*PI,2*PI/5));st(2,lt(ld(1),PI/5));st(1,min(ld(1),2*PI/5-ld(1)));"
  S+="st(3,gt(($RI*cos(PI/5)-$RO)*ld(0)*sin(ld(1))-$RI*sin(PI/5)*(ld(0)*cos(ld(1))-$RO),0));st(4,exp(-(pow((X-215)/40,2)+pow((Y-200)/26,2))));"
  star() { echo "${S}clip(if(ld(2),$2,$1)*(1.05-0.15*ld(0)/$RO)+$3*0.7*ld(4),0,255)"; }
  sticker "$OUT/sticker_star.png" "$(star 255 250 255)" "$(star 222 176 250)" "$(star 90 30 220)" "${S}255*ld(3)"
}

# ---------------------------------------------------------------------------
# camera_placeholder.jpg (1920x1080): flat-illustration host-camera still. An
# out-of-focus room (window light left, neon "LIVE" sign, shelves with books,
# a plant and a vase right), a smiling host with long dark hair, gold earrings,
# teal sweater and lapel mic, a wooden desk with the sneaker (product_sneaker.png)
# and a white mug with a pink heart; vignette and sensor-like grain.
make_camera_placeholder() {
  [[ -f $OUT/product_sneaker.png ]] || make_product_sneaker
  local RM="st(0,exp(-(pow((X-140)/170,2)+pow((Y-190)/200,2))));st(1,between(X,50,230)*between(Y,50,330)*not(between(X,136,144)+between(Y,186,194)));"
  RM+="st(2,between(X,690,930)*(between(Y,150,160)+between(Y,290,300)));"
  RM+="st(3,between(Y,96,150)*between(X,700,800)*(1+mod(floor((X-700)/14),4)));"
  RM+="st(4,lt(hypot(X-860,Y-118),26)+lt(hypot(X-842,Y-100),20)+lt(hypot(X-880,Y-104),18));st(5,between(X,842,878)*between(Y,124,150));"
  RM+="st(6,between(Y,240,290)*between(X,705,780)*(1+mod(floor((X-705)/25),3)));st(7,lt(hypot((X-850)/22,(Y-262)/28),1));"
  room() { # one channel of: wall_top wall_bottom window shelf book1..4 leaves pot vase
    echo "${RM}clip(if(ld(1),$3,if(ld(2),$4,if(ld(3),if(eq(ld(3),1),$5,if(eq(ld(3),2),$6,if(eq(ld(3),3),$7,$8))),if(ld(4),$9,if(ld(5),${10},if(ld(6),if(eq(ld(6),1),$6,if(eq(ld(6),2),$8,$5)),if(ld(7),${11},$1+($2-$1)*Y/540)))))))+80*ld(0),0,255)"
  }
  # host sprite 820x900: 0 hair (behind), 1 torso, 2 neck, 3 face, 4 fringe,
  # 5 neckline, 6 earrings, 7 mic, 8 eyes, 9 smile
  local HS="st(0,lt(hypot((X-410)/150,(Y-330)/235),1));st(1,lt(hypot(max(abs(X-410)-230,0),max(abs(Y-900)-310,0))+min(max(abs(X-410)-230,abs(Y-900)-310),0)-150,0));"
  HS+="st(2,between(X,362,458)*between(Y,320,460));st(3,lt(hypot((X-410)/104,(Y-255)/128),1));"
  HS+="st(4,lt(hypot((X-410)/120,(Y-228)/138),1)*lt(Y,205+60*exp(-pow((X-470)/70,2))-30*exp(-pow((X-330)/60,2))));"
  HS+="st(5,lt(hypot((X-410)/74,(Y-452)/36),1)*lt(Y,470));st(6,lt(hypot(X-302,Y-300),7)+lt(hypot(X-518,Y-300),7));st(7,lt(hypot(X-480,Y-560),9));"
  HS+="st(8,lt(hypot((X-372)/11,(Y-262)/8),1)+lt(hypot((X-448)/11,(Y-262)/8),1));st(9,lt(abs(hypot((X-410)/34,(Y-300)/22)-1),0.16)*gt(Y,306));"
  host() { # one channel of: hair skin sweater earring mic lips
    echo "${HS}clip(if(ld(6),$4,if(ld(4),$1,if(ld(8)*ld(3),$1*0.7,if(ld(9)*ld(3),$6,if(ld(3),$2*(1.04-0.12*abs(X-410)/104),if(ld(5)+ld(2)*not(ld(1)),$2*0.86,if(ld(7),$5,if(ld(1),$3*(1.0-0.22*pow(abs(X-410)/360,2))*(1.05-0.1*(Y-430)/470),if(ld(0),$1,0))))))))),0,255)"
  }
  local HA="${HS}255*max(max(max(ld(0),ld(1)),max(ld(2),ld(3))),max(ld(4),ld(6)))"
  local DK="st(0,0.92+0.06*sin(X/23+4*sin(Y/37+X/400))+0.03*sin(X/5.3+Y/11));st(1,gt(Y,262));"
  desk() { echo "${DK}clip(if(ld(1),$2,$1*ld(0)*(0.9+0.1*Y/262)),0,255)"; }
  local MG="st(0,between(X,20,180)*between(Y,20,230)+lt(hypot((X-100)/80,(Y-230)/10),1));st(1,lt(hypot((X-100)/80,(Y-20)/12),1));st(2,lt(abs(hypot((X-185)/34,(Y-120)/44)-1),0.22)*gt(X,180));"
  MG+="st(3,lt(pow(pow((X-100)/30,2)+pow((125-Y)/30,2)-1,3)-pow((X-100)/30,2)*pow((125-Y)/30,3),0));st(4,0.78+0.24*cos((X-80)/80*PI/2));"
  mug() { echo "${MG}clip(if(ld(1),$3,if(ld(0),if(ld(3),$2,$1)*ld(4),if(ld(2),$1*0.9,0))),0,255)"; }
  local MA="${MG}255*max(max(ld(0),ld(1)),ld(2))"
  # movie= takes a filter-graph-escaped path; the repository path has no special characters.
  render_jpg "$OUT/camera_placeholder.jpg" "color=c=black:s=960x540,format=rgb24,geq=r='$(room 196 150 255 120 214 64 236 244 70 200 240)':g='$(room 178 132 246 84 64 120 196 236 140 120 200)':b='$(room 176 136 232 62 96 170 70 222 70 100 210)',
drawtext=fontfile=$BOLD:text='LIVE':fontsize=46:fontcolor=0xff5fa8:x=430:y=70:borderw=3:bordercolor=0xff2f8a@0.6,
gblur=sigma=4,scale=1920:1080:flags=bicubic,format=rgba[room];
color=c=black@0:s=820x900,format=rgba,geq=r='$(host 58 222 46 230 30 196)':g='$(host 40 168 112 190 30 92)':b='$(host 34 136 120 90 34 104)':a='$HA',format=rgba,gblur=sigma=1.2,scale=943:1035[host];
color=c=black@0:s=1920x300,format=rgba,geq=r='$(desk 150 186)':g='$(desk 98 130)':b='$(desk 64 92)':a=255,format=rgba[desk];
color=c=black@0:s=240x250,format=rgba,geq=r='$(mug 246 232 214)':g='$(mug 244 60 200)':b='$(mug 240 120 190)':a='$MA',format=rgba[mug];
movie=$OUT/product_sneaker.png,scale=660:440,format=rgba[shoe];
[room][host]overlay=488:96[c1];[c1][desk]overlay=0:780[c2];[c2][shoe]overlay=120:560[c3];[c3][mug]overlay=1400:770,
vignette=angle=0.45,noise=alls=3:allf=u,format=yuvj420p[out]" 3
}

ALL=(studio_backdrop studio_backdrop_vertical product_sneaker product_card sale_badge brand_logo
  sticker_heart sticker_fire sticker_star camera_placeholder)
if (($#)); then names=("$@"); else names=("${ALL[@]}"); fi
for name in "${names[@]}"; do
  if ! declare -F "make_$name" >/dev/null; then
    echo "make-assets: unknown image '$name' (known: ${ALL[*]})" >&2
    exit 2
  fi
done
echo "make-assets: writing to ${OUT#"$ROOT"/}/"
for name in "${names[@]}"; do "make_$name"; done

# Budget: each file < 600 KB, all images < 2 MB.
total=0
for f in "$OUT"/*; do
  size=$(stat -c %s "$f")
  total=$((total + size))
  if ((size >= MAX_FILE)); then echo "make-assets: $f is $size bytes (limit $MAX_FILE)" >&2; exit 1; fi
done
if ((total >= MAX_TOTAL)); then echo "make-assets: images total $total bytes (limit $MAX_TOTAL)" >&2; exit 1; fi
echo "make-assets: total $total bytes"
